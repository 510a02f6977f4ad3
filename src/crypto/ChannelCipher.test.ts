import { describe, expect, it } from 'vitest';
import { NOW, TestOrg, channelId, creation } from '../../test/crypto/fixtures.ts';
import { Party } from '../../test/crypto/party.ts';
import { ChannelCipher, distributionId } from './ChannelCipher.ts';
import { applyChannelChange } from './applyChannelChange.ts';
import { nextStateFields, signChannelState, type ChannelState } from './ChannelState.ts';
import { decodeContent, encodeContent } from './contentCodec.ts';
import { CodecError, DecryptionError, DuplicateMessage } from './errors.ts';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

interface Member { party: Party; channel: ChannelCipher }

async function channelOfThree() {
  const org = new TestOrg();
  const certs = [org.member('alice', 2, ['lead']), org.member('bob', 2), org.member('carol', 2)];
  const devices = [org.device('alice', 1), org.device('bob', 1), org.device('carol', 1)];
  const members: Member[] = [];
  for (const d of devices) {
    const party = await Party.create(org, d);
    party.learn(...devices, ...certs);
    members.push({ party, channel: new ChannelCipher(party.stores.senderKey, d) });
  }
  for (const x of members) for (const y of members) if (x !== y) await x.party.cipher.processBundle(y.party.bundle());
  const created = applyChannelChange(null, creation(devices[0]!, [
    { userId: 'alice', role: 'owner' }, { userId: 'bob', role: 'member' }, { userId: 'carol', role: 'member' },
  ], 2), members[0]!.party.trust.view(NOW));
  if (created.kind !== 'accepted') throw new Error(created.reason);
  return { org, members, state: created.state };
}

/** Each member sends its sender key for the epoch to every other listed member over 1:1 sessions. */
async function distribute(to: Member[], state: ChannelState) {
  for (const from of to) {
    const d = await from.channel.distribution(state.channelId, state.epoch);
    for (const peer of to) {
      if (peer === from) continue;
      const sealed = await from.party.cipher.encrypt(peer.party.device, encodeContent({ body: { case: 'senderKeyDistribution', value: d } }));
      const content = decodeContent(await peer.party.cipher.decrypt(from.party.device, sealed.type, sealed.ciphertext));
      if (content.body.case !== 'senderKeyDistribution') throw new Error('expected a distribution');
      await peer.channel.processDistribution(from.party.device, content.body.value, state.channelId, state.epoch);
    }
  }
}

describe('channel messages with sender keys', () => {
  it('gives each (channel, epoch) its own distribution id', () => {
    expect(distributionId(channelId(1), 0)).not.toBe(distributionId(channelId(1), 1));
    expect(distributionId(channelId(1), 0)).not.toBe(distributionId(channelId(2), 0));
    expect(distributionId(channelId(1), 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('3 members; after one is removed the others rotate and the removed member cannot read on', async () => {
    const { members, state } = await channelOfThree();
    const [alice, bob, carol] = members as [Member, Member, Member];
    await distribute(members, state);
    const m0 = await alice.channel.encrypt(state.channelId, 0, text('all three'));
    expect(str(await bob.channel.decrypt(alice.party.device, state.channelId, [0], m0))).toBe('all three');
    expect(str(await carol.channel.decrypt(alice.party.device, state.channelId, [0], m0))).toBe('all three');

    const removal = signChannelState(alice.party.device.identity.privateKey,
      nextStateFields(state, alice.party.device, NOW, { members: state.members.filter((m) => m.userId !== 'carol') }));
    const r = applyChannelChange(state, removal, alice.party.trust.view(NOW));
    if (r.kind !== 'accepted') throw new Error(r.reason);
    expect(r.rotateSenderKeys).toBe(true);
    await distribute([alice, bob], r.state);

    const m1 = await alice.channel.encrypt(state.channelId, r.state.epoch, text('without carol'));
    expect(str(await bob.channel.decrypt(alice.party.device, state.channelId, [1], m1))).toBe('without carol');
    // Carol fails whatever epoch she is willing to accept: she never got the new key.
    await expect(carol.channel.decrypt(alice.party.device, state.channelId, [1], m1)).rejects.toBeInstanceOf(DecryptionError);
    await expect(carol.channel.decrypt(alice.party.device, state.channelId, [0, 1], m1)).rejects.toBeInstanceOf(DecryptionError);
    const b1 = await bob.channel.encrypt(state.channelId, 1, text('bob too'));
    expect(str(await alice.channel.decrypt(bob.party.device, state.channelId, [1], b1))).toBe('bob too');
    await expect(carol.channel.decrypt(bob.party.device, state.channelId, [1], b1)).rejects.toBeInstanceOf(DecryptionError);
    // An old-epoch message is refused once the receiver accepts only the new epoch.
    await expect(bob.channel.decrypt(alice.party.device, state.channelId, [1], m0)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('with the state-aware calls, a removed member can neither post on its old key nor hand out a new one', async () => {
    const { members, state } = await channelOfThree();
    const [alice, bob, carol] = members as [Member, Member, Member];
    await distribute(members, state);
    const removal = signChannelState(alice.party.device.identity.privateKey,
      nextStateFields(state, alice.party.device, NOW, { members: state.members.filter((m) => m.userId !== 'carol') }));
    const r = applyChannelChange(state, removal, bob.party.trust.view(NOW));
    if (r.kind !== 'accepted') throw new Error(r.reason);
    // Carol still holds her epoch-0 sender key, which bob knows.
    const old = await carol.channel.encrypt(state.channelId, 0, text('still here'));
    await expect(bob.channel.decryptFromMember(carol.party.device, r.state, old, true)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    // Nor can she introduce a key for the new epoch.
    const d = await carol.channel.distribution(state.channelId, r.state.epoch);
    await expect(bob.channel.processMemberDistribution(carol.party.device, d, r.state)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    // Alice, still a member, can: her in-flight epoch-0 message and her epoch-1 key are accepted.
    const inFlight = await alice.channel.encrypt(state.channelId, 0, text('in flight'));
    expect(str(await bob.channel.decryptFromMember(alice.party.device, r.state, inFlight, true))).toBe('in flight');
    await expect(bob.channel.decryptFromMember(alice.party.device, r.state, await alice.channel.encrypt(state.channelId, 0, text('x'))))
      .rejects.toBeInstanceOf(DecryptionError);
    await bob.channel.processMemberDistribution(alice.party.device, await alice.channel.distribution(state.channelId, 1), r.state);
    const fresh = await alice.channel.encrypt(state.channelId, 1, text('epoch 1'));
    expect(str(await bob.channel.decryptFromMember(alice.party.device, r.state, fresh))).toBe('epoch 1');
  });

  it('refuses a distribution for another channel or epoch', async () => {
    const { members, state } = await channelOfThree();
    const [alice, bob] = members as [Member, Member];
    const d = await alice.channel.distribution(state.channelId, 0);
    await expect(bob.channel.processDistribution(alice.party.device, d, state.channelId, 1)).rejects.toBeInstanceOf(CodecError);
    await expect(bob.channel.processDistribution(alice.party.device, d, channelId(7), 0)).rejects.toBeInstanceOf(CodecError);
  });

  it('shuffled delivery works, duplicates and bit flips are typed errors', async () => {
    const { members, state } = await channelOfThree();
    const [alice, bob] = members as [Member, Member];
    await distribute(members, state);
    const sent = [];
    for (let i = 0; i < 50; i++) sent.push(await alice.channel.encrypt(state.channelId, 0, text(`m${i}`)));
    const shuffled = [...sent].sort(() => Math.random() - 0.5);
    const seen = new Set<string>();
    for (const c of shuffled) seen.add(str(await bob.channel.decrypt(alice.party.device, state.channelId, [0], c)));
    expect(seen.size).toBe(50);
    await expect(bob.channel.decrypt(alice.party.device, state.channelId, [0], sent[3]!)).rejects.toBeInstanceOf(DuplicateMessage);

    const c = await alice.channel.encrypt(state.channelId, 0, text('flip'));
    for (let bit = 0; bit < c.length * 8; bit++) {
      const bad = new Uint8Array(c);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const out = await bob.channel.decrypt(alice.party.device, state.channelId, [0], bad).then(str, (e: unknown) => e);
      expect(out, `bit ${bit}`).toSatisfy((e) => e === 'flip' || e instanceof DecryptionError || e instanceof DuplicateMessage);
    }
  });
});
