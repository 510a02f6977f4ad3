/**
 * First contact while offline: a lead who enrolled after Bob last synced creates a channel with
 * Bob and writes in it while Bob's app is closed. When Bob starts again, the channel change and the
 * message arrive in the backlog before anything else: Bob must look the new signer up in the
 * directory and keep both, never drop them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('first contact from the backlog', () => {
  it('a channel from someone who enrolled while we were offline arrives with its first message', async () => {
    sc = await new Scenario().start();
    await sc.user('bob');
    await sc.user('dana', { roles: ['delegate', 'lead'] });
    const bob = await sc.join('bob');
    await bob.engine.close();

    const dana = await sc.join('dana');
    const ch = await dana.call('createChannel', { name: 'First contact', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await dana.call('send', { channelId: ch.id, text: 'welcome, bob' });

    const again = await sc.restart(bob);
    await again.waitText('welcome, bob', 15_000);
    const list = await again.call('listChannels', {});
    expect(list.channels.map((c) => c.name)).toEqual(['First contact']);
  });
});
