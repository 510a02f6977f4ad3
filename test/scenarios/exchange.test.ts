/** Channel exchange between engines over a real relay: create, send, receive, reply, pause. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('exchange', () => {
  it('a lead creates a channel; both members read and write; pause blocks sends', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');

    const ch = await alice.call('createChannel', { name: 'Talks', classification: 2, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await sc.nodes[1]!.engine.current!.settled();
    const sent = await alice.call('send', { channelId: ch.id, text: 'opening offer: 40' });
    expect(sent.message.delivery).toBe('pending');
    await bob.waitText('opening offer: 40');
    const bobList = await bob.call('listChannels', {});
    expect(bobList.channels.map((c) => c.name)).toEqual(['Talks']);

    await bob.call('send', { channelId: ch.id, text: 'counter: 55' });
    await alice.waitText('counter: 55');
    const page = await alice.call('listMessages', { channelId: ch.id });
    expect(page.messages.map((m) => m.text)).toEqual(['counter: 55', 'opening offer: 40']);

    await alice.call('pause', { channelId: ch.id, reason: 'incident' });
    await expect(alice.call('send', { channelId: ch.id, text: 'x' })).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
    await expect(
      (async () => {
        for (let i = 0; i < 200; i++) {
          const l = await bob.call('listChannels', {});
          if (l.channels[0]?.status === 'paused') return bob.call('send', { channelId: ch.id, text: 'y' });
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error('bob never saw the pause');
      })(),
    ).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
  });

  it('an archived channel lists the records office as a member, and its device receives every message', async () => {
    sc = await new Scenario().start();
    sc.recordsUserId = 'records';
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    await sc.user('records', { roles: ['records'] });
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');
    const records = await sc.join('records');
    const ch = await alice.call('createChannel', { name: 'Official', classification: 1, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, recording: 'archived' } });
    const details = await alice.call('channelDetails', { channelId: ch.id });
    expect(details.members.map((m) => [m.userId, m.role])).toContainEqual(['records', 'records']);
    await alice.call('send', { channelId: ch.id, text: 'for the archive' });
    await bob.call('send', { channelId: ch.id, text: 'noted' }).catch(async () => {
      await bob.waitText('for the archive');
      return bob.call('send', { channelId: ch.id, text: 'noted' });
    });
    await records.waitText('for the archive');
    await records.waitText('noted');
    // The records office receives the record; it does not take part.
    await expect(records.call('send', { channelId: ch.id, text: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
