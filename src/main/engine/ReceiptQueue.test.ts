import { describe, expect, it } from 'vitest';
import { RECEIPT_IDS_MAX, ReceiptQueue } from './ReceiptQueue.ts';

describe('ReceiptQueue', () => {
  it('coalesces by channel, sender device and kind, and owes nothing to this device', () => {
    const q = new ReceiptQueue({ userId: 'me', deviceId: 1 });
    q.add('c1', 'bob.2', 'a', 'delivered');
    q.add('c1', 'bob.2', 'b', 'delivered');
    q.add('c1', 'bob.2', 'a', 'read');
    q.add('c1', 'j.doe.3', 'c', 'delivered');
    q.add('c1', 'me.1', 'd', 'delivered');
    q.add('c1', 'me.2', 'e', 'delivered');
    expect(q.take()).toEqual([
      { channelId: 'c1', device: { userId: 'bob', deviceId: 2 }, state: 'delivered', messageIds: ['a', 'b'] },
      { channelId: 'c1', device: { userId: 'bob', deviceId: 2 }, state: 'read', messageIds: ['a'] },
      { channelId: 'c1', device: { userId: 'j.doe', deviceId: 3 }, state: 'delivered', messageIds: ['c'] },
      { channelId: 'c1', device: { userId: 'me', deviceId: 2 }, state: 'delivered', messageIds: ['e'] },
    ]);
    expect(q.size).toBe(0);
  });

  it('splits a long catch-up into receipts the content codec accepts', () => {
    const q = new ReceiptQueue({ userId: 'me', deviceId: 1 });
    for (let i = 0; i < RECEIPT_IDS_MAX * 2 + 5; i++) q.add('c', 'bob.1', String(i), 'delivered');
    expect(q.take().map((r) => r.messageIds.length)).toEqual([RECEIPT_IDS_MAX, RECEIPT_IDS_MAX, 5]);
  });
});
