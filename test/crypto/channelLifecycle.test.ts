/**
 * A channel's life across three members and a security officer, with every artefact carried the
 * way the engine carries it: signed records inside Content, inside 1:1 or sender-key ciphertexts,
 * inside Envelopes.
 */
import { describe, expect, it } from 'vitest';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { SignedRecordSchema } from '../../src/gen/valise/v1/common_pb.ts';
import { NOW, TestOrg, creation } from './fixtures.ts';
import { Party } from './party.ts';
import { applyChannelChange } from '../../src/crypto/applyChannelChange.ts';
import { ChannelCipher } from '../../src/crypto/ChannelCipher.ts';
import { nextStateFields, signChannelState, type ChannelState } from '../../src/crypto/ChannelState.ts';
import { decodeContent, encodeContent, type Content } from '../../src/crypto/contentCodec.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/crypto/envelopeCodec.ts';
import { DecryptionError } from '../../src/crypto/errors.ts';
import { signWipeCommand, signWipeReceipt, verifyWipeCommand, verifyWipeReceipt } from '../../src/crypto/wipe.ts';

interface Member { party: Party; channel: ChannelCipher; state?: ChannelState }

async function org4() {
  const org = new TestOrg();
  const certs = [org.member('alice', 3, ['lead']), org.member('bob', 3), org.member('carol', 3), org.member('sam', 0, ['security-officer'])];
  const devices = [org.device('alice', 1), org.device('bob', 1), org.device('carol', 1), org.device('sam', 1)];
  const ms: Member[] = [];
  for (const d of devices) {
    const party = await Party.create(org, d);
    party.learn(...devices, ...certs);
    ms.push({ party, channel: new ChannelCipher(party.stores.senderKey, d) });
  }
  for (const x of ms) for (const y of ms) if (x !== y) await x.party.cipher.processBundle(y.party.bundle());
  return ms as [Member, Member, Member, Member];
}

/** Sends a Content 1:1 through an envelope and returns what the recipient decoded. */
async function send1to1(from: Member, to: Member, channelId: Uint8Array, content: Parameters<typeof encodeContent>[0]): Promise<Content> {
  const sealed = await from.party.cipher.encrypt(to.party.device, encodeContent(content));
  const wire = encodeEnvelope({ channelId, sender: from.party.device, recipient: to.party.device, type: sealed.type, ciphertext: sealed.ciphertext, sentAtMs: NOW, expiresAtMs: NOW + 60_000 });
  const env = decodeEnvelope(wire);
  expect(env.recipient).toEqual({ userId: to.party.device.userId, deviceId: to.party.device.deviceId });
  return decodeContent(await to.party.cipher.decrypt(env.sender, env.type as 'prekey' | 'whisper', env.ciphertext));
}

/** Publishes a signed state to the given members; each judges it on its own trust. */
async function publish(from: Member, to: Member[], record: Uint8Array) {
  const results = [];
  for (const m of [from, ...to]) {
    let bytes = record;
    if (m !== from) {
      // The record rides in a ControlMessage; signature and hash cover the body only, so the
      // receiver may re-encode the SignedRecord wrapper.
      const c = await send1to1(from, m, new Uint8Array(16), { body: { case: 'control', value: { kind: { case: 'channelState', value: fromBinary(SignedRecordSchema, record) } } } });
      if (c.body.case !== 'control' || c.body.value.kind.case !== 'channelState') throw new Error('expected a channel state');
      bytes = toBinary(SignedRecordSchema, c.body.value.kind.value);
    }
    const r = applyChannelChange(m.state ?? null, bytes, m.party.trust.view(NOW));
    if (r.kind !== 'accepted') throw new Error(`${m.party.device.userId}: ${r.reason}`);
    m.state = r.state;
    results.push(r);
  }
  return results;
}

async function distribute(members: Member[], state: ChannelState) {
  for (const from of members) {
    const d = await from.channel.distribution(state.channelId, state.epoch);
    for (const to of members) {
      if (to === from) continue;
      const c = await send1to1(from, to, state.channelId, { body: { case: 'senderKeyDistribution', value: d } });
      if (c.body.case !== 'senderKeyDistribution') throw new Error('expected distribution');
      await to.channel.processMemberDistribution(from.party.device, c.body.value, to.state!);
    }
  }
}

async function post(from: Member, state: ChannelState, text: string): Promise<Uint8Array> {
  const ct = await from.channel.encrypt(state.channelId, state.epoch, encodeContent({ body: { case: 'data', value: {
    messageId: crypto.getRandomValues(new Uint8Array(16)), channelId: state.channelId, sentAtMs: BigInt(NOW), kind: { case: 'text', value: { body: text } },
  } } }));
  return encodeEnvelope({ channelId: state.channelId, sender: from.party.device, type: 'sender-key', ciphertext: ct, sentAtMs: NOW, expiresAtMs: 0 });
}

async function read(to: Member, wire: Uint8Array): Promise<string> {
  const env = decodeEnvelope(wire);
  const c = decodeContent(await to.channel.decryptFromMember(env.sender, to.state!, env.ciphertext));
  if (c.body.case !== 'data' || c.body.value.kind.case !== 'text') throw new Error('expected text');
  return c.body.value.kind.value.body;
}

describe('channel lifecycle', () => {
  it('create, talk, pause, remove a member, wipe with receipts', async () => {
    const [alice, bob, carol, sam] = await org4();
    const members = [
      { userId: 'alice', role: 'owner' as const }, { userId: 'bob', role: 'member' as const }, { userId: 'carol', role: 'member' as const },
    ];
    await publish(alice, [bob, carol, sam], creation(alice.party.device, members, 3));
    expect(new Set([alice, bob, carol, sam].map((m) => Buffer.from(m.state!.hash).toString('hex'))).size).toBe(1);

    await distribute([alice, bob, carol], alice.state!);
    const hello = await post(alice, alice.state!, 'opening position');
    expect(await read(bob, hello)).toBe('opening position');
    expect(await read(carol, hello)).toBe('opening position');

    // The security officer pauses and resumes; everyone accepts, nobody rotates.
    const [paused] = await publish(sam, [alice, bob, carol], signChannelState(sam.party.device.identity.privateKey,
      nextStateFields(sam.state!, sam.party.device, NOW, { status: 'paused' })));
    expect(paused!.kind === 'accepted' && paused!.state.status).toBe('paused');
    await publish(sam, [alice, bob, carol], signChannelState(sam.party.device.identity.privateKey,
      nextStateFields(sam.state!, sam.party.device, NOW, { status: 'active' })));

    // Alice removes carol: everyone is told to rotate; only alice and bob get the new keys.
    const removal = await publish(alice, [bob, carol, sam], signChannelState(alice.party.device.identity.privateKey,
      nextStateFields(alice.state!, alice.party.device, NOW, { members: members.slice(0, 2) })));
    expect(removal.every((r) => r.rotateSenderKeys)).toBe(true);
    await distribute([alice, bob], alice.state!);
    const secret = await post(bob, bob.state!, 'after carol left');
    expect(await read(alice, secret)).toBe('after carol left');
    await expect(read(carol, secret)).rejects.toBeInstanceOf(DecryptionError);

    // Sam wipes; each remaining member verifies the order and answers with a signed receipt.
    const order = signWipeCommand(sam.party.device.identity.privateKey, sam.party.device, sam.state!, NOW);
    const command = verifyWipeCommand(order, sam.state!, sam.party.trust.view(NOW));
    const confirmed = [];
    for (const m of [alice, bob]) {
      const cmd = verifyWipeCommand(order, m.state!, m.party.trust.view(NOW));
      const receipt = signWipeReceipt(m.party.device.identity.privateKey, m.party.device, cmd, NOW + 10);
      confirmed.push(verifyWipeReceipt(receipt, command, sam.party.trust.view(NOW)).device.userId);
    }
    expect(confirmed).toEqual(['alice', 'bob']);
  });
});
