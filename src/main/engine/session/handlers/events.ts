/**
 * What opening one delivery yields, as typed events: the receive batch stores them (in its
 * transaction) and, once committed, hands each to the handler of its type.
 */
import type { ChannelState, DeviceRef } from '../../../../crypto/index.ts';
import type { StoredMessage } from '../../../../storage/index.ts';

export type Received =
  | { type: 'message'; channelId: string; message: StoredMessage; disk: boolean }
  | { type: 'channel'; state: ChannelState; rotate: boolean }
  | { type: 'receipt'; channelId: string; device: DeviceRef; at: number }
  | { type: 'delivery'; channelId: string; device: DeviceRef; messageIds: string[]; state: 'delivered' | 'read' }
  | { type: 'none' };

export type ReceivedOf<T extends Received['type']> = Extract<Received, { type: T }>;

export const NOTHING: Received = { type: 'none' };

/** After the commit: one handler per type of event. */
export type CommittedHandlers = { [T in Exclude<Received['type'], 'none'>]: (v: ReceivedOf<T>) => void };

/** Hands each committed event to its handler, in order. */
export function dispatchCommitted(values: readonly Received[], h: CommittedHandlers): void {
  for (const v of values) {
    switch (v.type) {
      case 'message':
        h.message(v);
        break;
      case 'delivery':
        h.delivery(v);
        break;
      case 'channel':
        h.channel(v);
        break;
      case 'receipt':
        h.receipt(v);
        break;
      case 'none':
        break;
    }
  }
}
