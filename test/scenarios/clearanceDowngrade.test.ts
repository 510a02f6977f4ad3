/**
 * A member's clearance is lowered below a channel's classification while the channel runs. The
 * security officer's pause must still go through on the relay and on every member device: it changes
 * the status only, and a channel must never become impossible to stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

const statusAt = async (n: Node, id: string) => (await n.call('listChannels', {})).channels.find((c) => c.id === id)?.status;

describe('clearance lowered while a channel runs', () => {
  it('the officer can still pause the channel, and every member sees it paused', async () => {
    sc = await new Scenario().start();
    const { alice, bob } = await sc.leadAndTwo();
    const ch = await alice.call('createChannel', { name: 'Confidential talks', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'before' });
    await bob.waitText('before');

    // The organisation lowers bob's clearance to 0 (a new member certificate).
    await sc.user('bob', { clearance: 0 });
    await sc.user('olga', { roles: ['security-officer'] });
    const olga = await sc.join('olga');

    const paused = await olga.call('pause', { channelId: ch.id, reason: 'Clearance review' });
    expect(paused).toMatchObject({ status: 'paused' });
    await until(async () => (await statusAt(alice, ch.id)) === 'paused', 10_000, 'alice sees the pause');
    await until(async () => (await statusAt(bob, ch.id)) === 'paused', 10_000, 'bob sees the pause');
    await expect(alice.call('send', { channelId: ch.id, text: 'while paused' })).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
  });

  it('the channel lead removes the member once the lowered certificate arrives, and what follows never reaches them', async () => {
    sc = await new Scenario().start();
    const { alice, bob, carol } = await sc.leadAndTwo();
    const ch = await alice.call('createChannel', { name: 'Confidential talks', classification: 1, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'before' });
    await bob.waitText('before');

    await sc.user('bob', { clearance: 0 });
    // The lowered certificate reaches alice's device with its next directory look (here: on reconnecting).
    const alice2 = await sc.restart(alice);
    await alice2.online();
    await until(() => bob.events.some((e) => e.type === 'channelRemoved' && e.channelId === ch.id), 10_000, 'bob removed from the channel');
    const details = await alice2.call('channelDetails', { channelId: ch.id });
    expect(details.members.map((m) => m.userId).sort()).toEqual(['alice', 'carol']);

    await alice2.call('send', { channelId: ch.id, text: 'after the downgrade' });
    await carol.waitText('after the downgrade');
    expect(bob.texts()).not.toContain('after the downgrade');
  });
});
