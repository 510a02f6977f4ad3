/**
 * Per-device delivery state and last-seen times survive a restart (issue 6 §4, §7): the sender
 * still sees delivered/read per device, receipts for messages sent before the restart still
 * count, and a wipe's pending devices keep their last-seen time. Off-the-record channels keep
 * delivery state in memory only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import type { MessageView } from '../../src/shared/api/schemas.ts';
import { Scenario, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

async function find(n: Node, channelId: string, text: string): Promise<MessageView> {
  return (await n.call('listMessages', { channelId, limit: 50 })).messages.find((m) => m.text === text)!;
}

const stateOf = (m: MessageView, userId: string) => m.deliveries.find((d) => d.userId === userId)?.state;

describe('delivery state across a restart', () => {
  it('keeps per-device states, takes later receipts, and shows last-seen of pending wipe devices', async () => {
    sc = await new Scenario().start();
    const cast = await sc.leadAndTwo();
    let alice = cast.alice;
    const { bob } = cast;
    let carol = cast.carol;
    const ch = await alice.call('createChannel', { name: 'Kept', classification: 1, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'position paper' });
    await bob.waitText('position paper');
    await carol.waitText('position paper');
    await bob.call('markRead', { channelId: ch.id, upToMessageId: (await find(bob, ch.id, 'position paper')).id });
    await until(async () => {
      const m = await find(alice, ch.id, 'position paper');
      return stateOf(m, 'bob') === 'read' && stateOf(m, 'carol') === 'delivered';
    }, 10_000, 'bob read, carol delivered');

    alice = await sc.restart(alice);
    const after = await find(alice, ch.id, 'position paper');
    expect(after.delivery).toBe('delivered');
    expect(stateOf(after, 'bob')).toBe('read');
    expect(stateOf(after, 'carol')).toBe('delivered');

    // A receipt for a message sent before the restart still counts.
    await alice.online();
    await carol.call('markRead', { channelId: ch.id, upToMessageId: (await find(carol, ch.id, 'position paper')).id });
    await until(async () => (await find(alice, ch.id, 'position paper')).delivery === 'read', 10_000, 'read by both after the restart');

    // Carol goes offline; Alice wipes, restarts: Carol is pending with the time she was last heard from.
    const carolSeen = (await alice.call('channelDetails', { channelId: ch.id })).members.find((m) => m.userId === 'carol')!.devices[0]!.lastSeenAt;
    expect(carolSeen).not.toBeNull();
    await carol.engine.close();
    await alice.call('wipe', { channelId: ch.id, confirmName: 'Kept' });
    await until(async () => (await alice.call('wipeStatus', { channelId: ch.id })).confirmed.length === 2, 10_000, '2 receipts');
    alice = await sc.restart(alice);
    const status = await alice.call('wipeStatus', { channelId: ch.id });
    expect(status.pending).toHaveLength(1);
    expect(status.pending[0]).toMatchObject({ userId: 'carol' });
    expect(status.pending[0]!.lastSeenAt).toBeGreaterThanOrEqual(carolSeen! - 60_000);
    // The wiped channel's delivery records are gone from the profile.
    expect(alice.engine.current!.localStore.db.prepare('SELECT count(*) AS n FROM own_messages').get()).toEqual({ n: 0 });

    await alice.online();
    carol = await sc.restart(carol);
    await until(async () => (await alice.call('wipeStatus', { channelId: ch.id })).confirmed.length === 3, 15_000, '3 receipts');
  });

  it('keeps an off-the-record channel\'s delivery state in memory only', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    let alice = await sc.join('alice');
    const bob = await sc.join('bob');
    const otr = await alice.call('createChannel', { name: 'Quiet', classification: 1, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, recording: 'off-the-record' } });
    const kept = await alice.call('createChannel', { name: 'Kept', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    const { message } = await alice.call('send', { channelId: otr.id, text: 'not for the file' });
    await alice.call('send', { channelId: kept.id, text: 'for the file' });
    await bob.waitText('not for the file');
    await bob.waitText('for the file');
    await until(async () => (await find(alice, otr.id, 'not for the file')).delivery === 'delivered', 10_000, 'delivered off the record');
    await until(async () => (await find(alice, kept.id, 'for the file')).delivery === 'delivered', 10_000, 'delivered on the record');
    const db = alice.engine.current!.localStore.db;
    expect(db.prepare('SELECT count(*) AS n FROM own_messages WHERE message_id = ?').get(message.id)).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM own_messages WHERE channel_id = ?').get(kept.id)).toEqual({ n: 1 });
    alice = await sc.restart(alice);
    expect((await find(alice, kept.id, 'for the file')).delivery).toBe('delivered');
  });
});
