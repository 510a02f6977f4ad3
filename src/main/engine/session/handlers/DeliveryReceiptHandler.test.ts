import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { DataMessageSchema } from '../../../../gen/valise/v1/content_pb.ts';
import { channel } from '../../../../../test/engine/sessionKit.ts';
import { unhex } from '../../views.ts';
import { ChannelBook } from '../ChannelBook.ts';
import { DeliveryReceiptHandler } from './DeliveryReceiptHandler.ts';

function rig(readReceipts = true) {
  const book = new ChannelBook({ set: () => undefined });
  book.set('aa', { state: channel('aa', { members: ['alice', 'bob'], policy: { readReceipts } }), pausedReason: null });
  const applied: unknown[] = [];
  return { h: new DeliveryReceiptHandler({ book, apply: (...a) => void applied.push(a) }), applied };
}

const receipt = (kind: 'readReceipt' | 'deliveryReceipt', channelId = 'aa') =>
  create(DataMessageSchema, { channelId: unhex(channelId), kind: { case: kind, value: { messageIds: [unhex('01'), unhex('02')] } } });

describe('DeliveryReceiptHandler', () => {
  it('takes a member’s receipt and applies it once committed', () => {
    const { h, applied } = rig();
    const v = h.open({ userId: 'bob', deviceId: 2 }, receipt('readReceipt'));
    expect(v).toEqual({ type: 'delivery', channelId: 'aa', device: { userId: 'bob', deviceId: 2 }, messageIds: ['01', '02'], state: 'read' });
    expect(applied).toEqual([]);
    if (v.type === 'delivery') h.committed(v);
    expect(applied).toEqual([['aa', { userId: 'bob', deviceId: 2 }, ['01', '02'], 'read']]);
  });

  it('ignores a receipt from someone who is not a member of the channel (a forged "read" by an outsider)', () => {
    const { h } = rig();
    expect(h.open({ userId: 'mallory', deviceId: 1 }, receipt('deliveryReceipt'))).toEqual({ type: 'none' });
    expect(h.open({ userId: 'bob', deviceId: 1 }, receipt('deliveryReceipt', 'bb'))).toEqual({ type: 'none' });
  });

  it('ignores "read" where the channel’s policy turned read receipts off, but takes "delivered"', () => {
    const { h } = rig(false);
    expect(h.open({ userId: 'bob', deviceId: 2 }, receipt('readReceipt'))).toEqual({ type: 'none' });
    expect(h.open({ userId: 'bob', deviceId: 2 }, receipt('deliveryReceipt'))).toMatchObject({ type: 'delivery', state: 'delivered' });
  });
});
