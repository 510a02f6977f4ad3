/**
 * Disguised names: a name or pause reason with a text-direction override (RLO, U+202E) or a
 * zero-width character reads as something else ("Bob" that is not Bob, "talks" whose typed
 * confirmation never matches, a reason that turns the sentence around). A relay that serves such a
 * certificate or channel state, or a lead whose client signs one, gets it refused: by the relay's
 * own checks, and by a real engine when the relay itself is the one serving it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeChannelState, issueMemberCertificate, nextStateFields, signChannelState } from '../../src/crypto/index.ts';
import { SqliteRelayStore } from '../../src/server/store/SqliteRelayStore.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { createChannel, DAY } from '../relay/fixtures.ts';
import { Scenario, until, type Node } from '../scenarios/harness.ts';

const RLO = '\u202E';
const ZWSP = '\u200B';

let sc: Scenario | undefined;
afterEach(async () => {
  await sc?.stop();
  sc = undefined;
});

async function channelNamed(node: Node, id: string): Promise<string | undefined> {
  return (await node.call('listChannels', {})).channels.find((c) => c.id === id)?.name;
}

describe('names that cannot disguise', () => {
  it('the relay refuses a member certificate whose display name holds an RLO or a zero-width space', async () => {
    sc = await new Scenario().start();
    await expect(sc.org.addUser('mallory', { name: `Bob${RLO}` })).rejects.toMatchObject({ code: 'CERTIFICATE_REFUSED' });
    await expect(sc.org.addUser('mallory2', { name: `B${ZWSP}ob` })).rejects.toMatchObject({ code: 'CERTIFICATE_REFUSED' });
  });

  it('an engine ignores a disguised member certificate that a hostile relay serves in its directory', async () => {
    const store = new SqliteRelayStore(':memory:');
    sc = await new Scenario().start({ store });
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    // The relay puts a twin of Bob into its directory, bypassing its own checks.
    const serial = sc.org.nextSerial();
    const certificate = issueMemberCertificate(sc.org.root.privateKey, {
      orgId: sc.org.orgId, serial, userId: 'mallory', displayName: `B${ZWSP}ob`, clearance: 3, roles: ['delegate'],
      notBeforeMs: Date.now() - DAY, notAfterMs: Date.now() + 365 * DAY,
    });
    await store.putMember({ userId: 'mallory', displayName: `B${ZWSP}ob`, clearance: 3, roles: ['delegate'], serial: BigInt(serial), certificate });
    const alice = await sc.join('alice');

    const people = (await alice.call('listCleared', { classification: 0 })).people;
    expect(people.map((p) => p.userId)).toContain('bob');
    expect(people.map((p) => p.userId)).not.toContain('mallory');
    expect(people.some((p) => p.displayName.includes(ZWSP))).toBe(false);
  });

  it('an engine refuses a signed channel state renamed with an RLO, even when the relay delivers it', async () => {
    const store = new SqliteRelayStore(':memory:');
    sc = await new Scenario().start({ store });
    await sc.user('bob');
    await sc.org.addUser('lead', { roles: ['delegate', 'lead'] });
    const bob = await sc.join('bob');
    // The signer is a genuine lead device (its own client would refuse the name; this one signs what it likes).
    const lead = await sc.org.connect(await sc.org.enrol('lead'));
    const s0 = await createChannel(lead, ['bob'], DEFAULT_POLICY);
    const id = Buffer.from(s0.channelId).toString('hex');
    await until(async () => (await channelNamed(bob, id)) === 'talks', 10_000, 'bob sees the channel');

    const disguised = signChannelState(lead.device.identity.privateKey, nextStateFields(s0, lead.address, Date.now(), { name: `talks${RLO}txt.exe` }));
    // An honest relay refuses it ...
    await expect(lead.client.request({ case: 'publishChannelChange', value: { change: disguised } }, 'ok')).rejects.toMatchObject({ code: expect.any(String) });
    // ... so the relay's operator writes it into the chain and bob's queue itself.
    await store.appendChannelChange(s0.channelId, disguised);
    const deviceId = (await store.listDevices('bob'))[0]!.deviceId;
    await store.enqueue([{ userId: 'bob', deviceId }], { id: new Uint8Array(32).fill(7), kind: 'channel-change', channelId: s0.channelId, payload: disguised, expiresMs: Date.now() + DAY }, { maxDepth: 1000, perSender: 1000, controlReserve: 100 });
    const restarted = await sc.restart(bob);
    await restarted.online();
    // The queue is drained (the disguised state was looked at and refused), the name stays.
    await until(async () => (await store.queueDepth({ userId: 'bob', deviceId })) === 0, 10_000, 'bob drains its queue');
    expect(await channelNamed(restarted, id)).toBe('talks');
    expect(() => decodeChannelState(disguised)).toThrow(/U\+202E/);
  });
});
