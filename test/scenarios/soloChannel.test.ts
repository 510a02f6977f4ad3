/** A channel whose only member is its creator (notes to self before others join) takes messages. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('a channel with its creator alone', () => {
  it('sends without failing, and a member added later reads what follows', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');
    const ch = await alice.call('createChannel', { name: 'Solo', classification: 1, memberUserIds: [], policy: DEFAULT_POLICY });
    const sent = await alice.call('send', { channelId: ch.id, text: 'note before the others join' });
    await alice.engine.current!.outboxIdle;
    const after = (await alice.call('listMessages', { channelId: ch.id })).messages.find((m) => m.id === sent.message.id);
    expect(after?.delivery).not.toBe('failed');

    await alice.call('changeMembers', { channelId: ch.id, add: [{ userId: 'bob' }] });
    await until(async () => (await bob.call('listChannels', {})).channels.some((c) => c.id === ch.id), 10_000, 'bob sees the channel');
    await alice.call('send', { channelId: ch.id, text: 'welcome, bob' });
    await bob.waitText('welcome, bob');
  });
});
