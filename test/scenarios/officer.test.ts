/**
 * A security officer who is not a member pauses, resumes and wipes a channel (issue 6 §5): the
 * members cannot send while it is paused and see the officer's reason; the wipe shreds it on every
 * member device, an offline one included once it reconnects, and the officer sees n of n receipts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

async function summaryAt(n: Node, id: string) {
  return (await n.call('listChannels', {})).channels.find((c) => c.id === id);
}

describe('security officer', () => {
  it('pauses, resumes and wipes a channel it is not a member of; receipts reach it', async () => {
    sc = await new Scenario().start();
    const cast = await sc.leadAndTwo();
    const { alice, bob } = cast;
    let carol = cast.carol;
    await sc.user('olga', { roles: ['security-officer'] });
    const olga = await sc.join('olga');

    const ch = await alice.call('createChannel', { name: 'Talks', classification: 1, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'OFFICER-MARKER' });
    await bob.waitText('OFFICER-MARKER');
    await carol.waitText('OFFICER-MARKER');

    // Only the officer lists the organisation's channels; the channel is not in her own list.
    const listed = (await olga.call('listOrgChannels', {})).channels.find((c) => c.id === ch.id);
    expect(listed).toMatchObject({ name: 'Talks', classification: 1, status: 'active', membersCount: 3, member: false });
    expect((await olga.call('listChannels', {})).channels).toEqual([]);
    await expect(bob.call('listOrgChannels', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bob.call('pause', { channelId: ch.id, reason: 'no' })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    // Pause: members cannot send and see why.
    const paused = await olga.call('pause', { channelId: ch.id, reason: 'Device lost at the venue' });
    expect(paused).toMatchObject({ status: 'paused', pausedReason: 'Device lost at the venue', member: false });
    for (const n of [alice, bob, carol]) await until(async () => (await summaryAt(n, ch.id))?.status === 'paused', 10_000, `${n.userId} sees the pause`);
    expect(await summaryAt(bob, ch.id)).toMatchObject({ pausedReason: 'Device lost at the venue', can: { send: false } });
    await expect(bob.call('send', { channelId: ch.id, text: 'sneaking out' })).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
    expect((await olga.call('listOrgChannels', {})).channels.find((c) => c.id === ch.id)).toMatchObject({ status: 'paused', pausedReason: 'Device lost at the venue' });
    expect(olga.events.some((e) => e.type === 'channelChanged')).toBe(false);

    // Resume: sending works again.
    await olga.call('resume', { channelId: ch.id });
    await until(async () => (await summaryAt(bob, ch.id))?.status === 'active', 10_000, 'bob sees the resume');
    await bob.call('send', { channelId: ch.id, text: 'back to work' });
    await alice.waitText('back to work');

    // Wipe with Carol offline: 2 of 3, then 3 of 3 once she reconnects; every member shredded.
    await carol.engine.close();
    await expect(olga.call('wipe', { channelId: ch.id, confirmName: 'talks' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const w = await olga.call('wipe', { channelId: ch.id, confirmName: 'Talks' });
    expect(w.total).toBe(3);
    await until(async () => (await olga.call('wipeStatus', { channelId: ch.id })).confirmed.length === 2, 15_000, '2 receipts at the officer');
    expect((await olga.call('wipeStatus', { channelId: ch.id })).pending.map((p) => p.userId)).toEqual(['carol']);
    carol = await sc.restart(carol);
    await until(async () => (await olga.call('wipeStatus', { channelId: ch.id })).confirmed.length === 3, 15_000, '3 receipts at the officer');
    expect(olga.events.filter((e) => e.type === 'wipeProgress').at(-1)).toMatchObject({ channelId: ch.id, confirmed: 3, total: 3 });
    for (const n of [alice, bob, carol]) {
      expect((await n.call('listChannels', {})).channels).toEqual([]);
      expect((await n.call('search', { query: 'OFFICER-MARKER' })).hits).toEqual([]);
    }
    expect((await olga.call('listOrgChannels', {})).channels.find((c) => c.id === ch.id)).toBeUndefined();
  });

  it('is obeyed by members that have never heard of the officer before the wipe', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');
    const ch = await alice.call('createChannel', { name: 'Venue', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await until(async () => (await summaryAt(bob, ch.id)) !== undefined, 10_000, 'bob sees the channel');
    // Enrolled after the members last looked at the directory; her first act is the wipe.
    await sc.user('olga', { roles: ['security-officer'] });
    const olga = await sc.join('olga');
    await olga.call('wipe', { channelId: ch.id, confirmName: 'Venue' });
    await until(async () => (await olga.call('wipeStatus', { channelId: ch.id })).confirmed.length === 2, 15_000, '2 receipts at the officer');
    expect((await bob.call('listChannels', {})).channels).toEqual([]);
  });
});
