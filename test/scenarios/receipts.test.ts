/**
 * Delivery receipts: the sender sees "delivered" per device once each member device has stored
 * the message, and "read" only where the channel's policy allows read receipts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import type { MessageView } from '../../src/shared/api/schemas.ts';
import { Scenario, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

async function mine(n: Node, channelId: string, text: string): Promise<MessageView> {
  const page = await n.call('listMessages', { channelId, limit: 50 });
  return page.messages.find((m) => m.text === text)!;
}

function stateOf(m: MessageView, userId: string): string | undefined {
  return m.deliveries.find((d) => d.userId === userId)?.state;
}

describe('receipts', () => {
  it('shows delivered per device, and read only where the policy allows it', async () => {
    sc = await new Scenario().start();
    const { alice, bob, carol } = await sc.leadAndTwo();
    const open = await alice.call('createChannel', { name: 'Open', classification: 1, memberUserIds: ['bob', 'carol'], policy: { ...DEFAULT_POLICY, readReceipts: true } });
    const quiet = await alice.call('createChannel', { name: 'Quiet', classification: 1, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, readReceipts: false } });

    await alice.call('send', { channelId: open.id, text: 'hello all' });
    await bob.waitText('hello all');
    await carol.waitText('hello all');
    await until(async () => (await mine(alice, open.id, 'hello all')).delivery === 'delivered', 10_000, 'delivered to both');
    const delivered = await mine(alice, open.id, 'hello all');
    expect(stateOf(delivered, 'bob')).toBe('delivered');
    expect(stateOf(delivered, 'carol')).toBe('delivered');

    const atBob = await mine(bob, open.id, 'hello all');
    await bob.call('markRead', { channelId: open.id, upToMessageId: atBob.id });
    await until(async () => stateOf(await mine(alice, open.id, 'hello all'), 'bob') === 'read', 10_000, 'read by bob');
    const read = await mine(alice, open.id, 'hello all');
    expect(stateOf(read, 'carol')).toBe('delivered');
    expect(read.delivery).toBe('delivered');

    await alice.call('send', { channelId: quiet.id, text: 'between us' });
    await bob.waitText('between us');
    await until(async () => (await mine(alice, quiet.id, 'between us')).delivery === 'delivered', 10_000, 'delivered in the quiet channel');
    const atBobQuiet = await mine(bob, quiet.id, 'between us');
    await bob.call('markRead', { channelId: quiet.id, upToMessageId: atBobQuiet.id });
    await bob.call('send', { channelId: quiet.id, text: 'noted' });
    await alice.waitText('noted');
    await new Promise((r) => setTimeout(r, 300));
    expect(stateOf(await mine(alice, quiet.id, 'between us'), 'bob')).toBe('delivered');
  });
});
