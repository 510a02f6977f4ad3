/**
 * "Delivered" and "read" receipts for my messages: only a member's device reports on a channel's
 * messages, and "read" only where the policy allows it. Applied once committed.
 */
import type { DeviceRef } from '../../../../crypto/index.ts';
import type { DataMessage } from '../../../../gen/valise/v1/content_pb.ts';
import { hex } from '../../views.ts';
import type { ChannelBook } from '../ChannelBook.ts';
import type { ReceiptState } from '../Receipts.ts';
import { NOTHING, type Received, type ReceivedOf } from './events.ts';

export interface DeliveryReceiptDeps {
  book: ChannelBook;
  apply: (channelId: string, device: DeviceRef, messageIds: readonly string[], state: ReceiptState) => void;
}

export class DeliveryReceiptHandler {
  constructor(private readonly d: DeliveryReceiptDeps) {}

  open(sender: DeviceRef, data: DataMessage): Received {
    if (data.kind.case !== 'deliveryReceipt' && data.kind.case !== 'readReceipt') return NOTHING;
    const channelId = hex(data.channelId);
    const state = this.d.book.stateOf(channelId);
    if (!state || !state.members.some((m) => m.userId === sender.userId)) return NOTHING;
    const read = data.kind.case === 'readReceipt';
    if (read && !state.policy.readReceipts) return NOTHING;
    return { type: 'delivery', channelId, device: sender, messageIds: data.kind.value.messageIds.map(hex), state: read ? 'read' : 'delivered' };
  }

  committed(v: ReceivedOf<'delivery'>): void {
    this.d.apply(v.channelId, v.device, v.messageIds, v.state);
  }
}
