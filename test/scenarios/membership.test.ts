/**
 * Clearance and membership: a CONFIDENTIAL user cannot be put in a SECRET channel (refused by the
 * client and by the relay); a removed member cannot read later messages; an offline member
 * catches up in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nextStateFields, signChannelState, decodeChannelState } from '../../src/crypto/index.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Peer } from '../relay/fixtures.ts';
import { Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

const SECRET = 3;
const CONFIDENTIAL = 2;

describe('membership', () => {
  it('refuses an uncleared member in the client and at the relay', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'], clearance: SECRET });
    await sc.user('bob', { clearance: SECRET });
    await sc.user('conf', { clearance: CONFIDENTIAL });
    const alice = await sc.join('alice');
    await sc.join('conf');
    await expect(alice.call('createChannel', { name: 'Red', classification: SECRET, memberUserIds: ['conf'], policy: DEFAULT_POLICY })).rejects.toMatchObject({ code: 'NOT_CLEARED' });
    const ch = await alice.call('createChannel', { name: 'Red', classification: SECRET, memberUserIds: [], policy: DEFAULT_POLICY });
    await expect(alice.call('changeMembers', { channelId: ch.id, add: [{ userId: 'conf' }] })).rejects.toMatchObject({ code: 'NOT_CLEARED' });
    expect((await alice.call('listCleared', { classification: SECRET })).people.map((p) => p.userId)).not.toContain('conf');

    // A client that skips the check: a state signed by another of alice's (owner) devices that adds
    // the uncleared user is refused by the relay.
    const rogue = await sc.org.enrol('alice');
    const peer = await Peer.connect(sc.org.relay.url, rogue);
    const r = await peer.client.request({ case: 'fetchChannelState', value: { channelId: Buffer.from(ch.id, 'hex') } }, 'channelState');
    const prev = decodeChannelState(r.changes.at(-1)!);
    const forged = signChannelState(
      rogue.identity.privateKey,
      nextStateFields(prev, { userId: 'alice', deviceId: rogue.deviceId }, Date.now(), { members: [...prev.members, { userId: 'conf', role: 'member' }] }),
    );
    await expect(peer.client.request({ case: 'publishChannelChange', value: { change: forged } }, 'ok')).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    await peer.client.close();
  });

  it('a removed member cannot read later messages; an offline member catches up in order', async () => {
    sc = await new Scenario().start();
    const cast = await sc.leadAndTwo();
    const { alice, bob } = cast;
    let carol = cast.carol;
    const ch = await alice.call('createChannel', { name: 'Team', classification: 1, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'before' });
    await bob.waitText('before');
    await carol.waitText('before');

    await carol.engine.close();
    for (let i = 0; i < 30; i++) await alice.call('send', { channelId: ch.id, text: `m${i}` });
    await bob.waitText('m29');

    await alice.call('changeMembers', { channelId: ch.id, remove: ['bob'] });
    await until(() => bob.events.some((e) => e.type === 'channelRemoved' && e.channelId === ch.id), 10_000, 'bob removed');
    await alice.call('send', { channelId: ch.id, text: 'after removal' });

    carol = await sc.restart(carol);
    await carol.waitText('after removal', 15_000);
    const got = carol.texts().filter((t) => /^m\d+$/.test(t));
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    const page = await carol.call('listMessages', { channelId: ch.id, limit: 100 });
    expect(page.messages.map((m) => m.text).reverse()).toEqual(['before', ...got, 'after removal']);

    await new Promise((r) => setTimeout(r, 500));
    expect(bob.texts()).not.toContain('after removal');
    await expect(bob.call('listMessages', { channelId: ch.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

