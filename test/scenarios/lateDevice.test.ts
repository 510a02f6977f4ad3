/**
 * A member's second device, enrolled after a channel exists, takes part in it at once: it learns the
 * channel from the relay on connecting (the chain verified from its creation), sends in it, and
 * receives what the others send, without waiting for the channel's next change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('a device enrolled after the channel exists', () => {
  it('sends and receives in it at once', async () => {
    sc = await new Scenario().start();
    const { alice, bob } = await sc.leadAndTwo();
    const ch = await alice.call('createChannel', { name: 'Talks', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'before the new laptop' });
    await bob.waitText('before the new laptop');

    const bob2 = await sc.join('bob');
    await until(async () => (await bob2.call('listChannels', {})).channels.some((c) => c.id === ch.id), 10_000, 'the new device sees the channel');
    await bob2.call('send', { channelId: ch.id, text: 'from the new laptop' });
    await alice.waitText('from the new laptop');
    await bob.waitText('from the new laptop');
    await alice.call('send', { channelId: ch.id, text: 'welcome, new laptop' });
    await bob2.waitText('welcome, new laptop');
    await bob.waitText('welcome, new laptop');
    expect((await bob2.call('listMessages', { channelId: ch.id })).messages.find((m) => m.text === 'from the new laptop')?.delivery).not.toBe('failed');
  });

  it('receives what the others send before it has sent anything', async () => {
    sc = await new Scenario().start();
    const { alice, bob } = await sc.leadAndTwo();
    const ch = await alice.call('createChannel', { name: 'Talks', classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'first' });
    await bob.waitText('first');

    const bob2 = await sc.join('bob');
    await until(async () => (await bob2.call('listChannels', {})).channels.some((c) => c.id === ch.id), 10_000, 'the new device sees the channel');
    // The new device made itself known to the channel: alice's device lists it under bob.
    const bobDevices = async () => (await alice.call('channelDetails', { channelId: ch.id })).members.find((m) => m.userId === 'bob')?.devices.length ?? 0;
    await until(async () => (await bobDevices()) === 2, 10_000, "alice's device lists bob's new device");
    await alice.call('send', { channelId: ch.id, text: 'second' });
    await bob2.waitText('second');
    await bob.waitText('second');
    await bob.call('send', { channelId: ch.id, text: 'third' });
    await bob2.waitText('third');
    expect(bob2.texts()).not.toContain('first');
  });
});
