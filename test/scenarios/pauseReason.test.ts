/**
 * The reason a lead gives for a pause is part of the signed channel state: every member sees
 * "paused — <reason>", also after a restart, and resuming clears it everywhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

async function summaryAt(n: Node, id: string) {
  return (await n.call('listChannels', {})).channels.find((c) => c.id === id);
}

describe('pause reason', () => {
  it('reaches every member with the signed state', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice');
    let bob = await sc.join('bob');
    const ch = await alice.call('createChannel', { name: 'Talks', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await until(async () => (await summaryAt(bob, ch.id)) !== undefined, 10_000, 'bob sees the channel');

    const paused = await alice.call('pause', { channelId: ch.id, reason: 'leak suspected' });
    expect(paused.pausedReason).toBe('leak suspected');
    await until(async () => (await summaryAt(bob, ch.id))?.status === 'paused', 10_000, 'bob sees the pause');
    expect((await summaryAt(bob, ch.id))?.pausedReason).toBe('leak suspected');
    await expect(bob.call('send', { channelId: ch.id, text: 'x' })).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });

    bob = await sc.restart(bob);
    expect((await summaryAt(bob, ch.id))?.pausedReason).toBe('leak suspected');

    await alice.call('resume', { channelId: ch.id });
    await until(async () => (await summaryAt(bob, ch.id))?.status === 'active', 10_000, 'bob sees the resume');
    expect((await summaryAt(bob, ch.id))?.pausedReason).toBeNull();
    expect((await summaryAt(alice, ch.id))?.pausedReason).toBeNull();
  });
});
