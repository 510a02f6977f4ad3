/**
 * Per-device delivery state of my own messages: pending → sent → delivered → read, never
 * backwards (a late "delivered" after "read" changes nothing). A device that cannot be reached
 * (it published no keys, or the member has no device) is "unreachable" for that message. The
 * message's overall state is that of the least advanced reachable device.
 */
import type { DeliveryState } from '../../shared/api/schemas.ts';

const ORDER: Record<DeliveryState, number> = { failed: -1, pending: 0, unreachable: 0.5, sent: 1, delivered: 2, read: 3 };

export function advance(current: DeliveryState, next: DeliveryState): DeliveryState {
  if (current === 'failed') return current;
  if (next === 'failed') return current === 'pending' ? 'failed' : current;
  return ORDER[next] > ORDER[current] ? next : current;
}

export function overall(states: readonly DeliveryState[]): DeliveryState {
  if (states.length === 0) return 'sent';
  if (states.includes('failed')) return 'failed';
  const reachable = states.filter((s) => s !== 'unreachable');
  if (reachable.length === 0) return 'unreachable';
  return reachable.reduce((a, b) => (ORDER[b] < ORDER[a] ? b : a));
}

/** Read receipts are only shown (and only sent) when the channel's policy allows them. */
export function visibleState(state: DeliveryState, readReceipts: boolean): DeliveryState {
  return !readReceipts && state === 'read' ? 'delivered' : state;
}
