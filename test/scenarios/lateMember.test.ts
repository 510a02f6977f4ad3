/**
 * A member added at a later epoch receives only the latest channel change; it has no previous
 * state to apply it to, so it fetches the chain from the relay and verifies it from the creation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('member added at a later epoch', () => {
  it('sees the channel and the messages sent after she was added', async () => {
    sc = await new Scenario().start();
    const { alice, bob, carol } = await sc.leadAndTwo();
    const ch = await alice.call('createChannel', { name: 'Talks', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'before carol' });
    await bob.waitText('before carol');
    await alice.call('pause', { channelId: ch.id, reason: 'break' });
    await alice.call('resume', { channelId: ch.id });
    await alice.call('changeMembers', { channelId: ch.id, add: [{ userId: 'carol' }] });
    expect((await alice.call('channelDetails', { channelId: ch.id })).epoch).toBe(3);

    await until(async () => (await carol.call('listChannels', {})).channels.some((c) => c.id === ch.id), 10_000, 'carol sees the channel');
    await alice.call('send', { channelId: ch.id, text: 'welcome carol' });
    await carol.waitText('welcome carol');
    await bob.waitText('welcome carol');
    await carol.call('send', { channelId: ch.id, text: 'thanks' });
    await alice.waitText('thanks');
    await bob.waitText('thanks');

    const details = await carol.call('channelDetails', { channelId: ch.id });
    expect(details.epoch).toBe(3);
    expect(details.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(carol.texts()).not.toContain('before carol');
  });
});
