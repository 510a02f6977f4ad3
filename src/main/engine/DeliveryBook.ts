/**
 * Per-device delivery state of this device's own messages, as the relay's acks and the members'
 * receipts report it (kept for the session; a restart shows messages as sent again).
 */
import type { DeliveryState } from '../../shared/api/schemas.ts';
import { advance, overall, visibleState } from './delivery.ts';

export interface DeviceDelivery {
  userId: string;
  deviceId: string;
  state: DeliveryState;
}

const FAILED = '*';

export class DeliveryBook {
  private readonly byMessage = new Map<string, Map<string, DeliveryState>>();
  private readonly channelOf = new Map<string, string>();

  /** This device's message is on its way (in the outbox): receipts for it are taken from now on. */
  own(messageId: string, channelId: string): void {
    this.channelOf.set(messageId, channelId);
  }

  /** The relay took the message for these devices. A receipt may have overtaken the ack. */
  sent(messageId: string, devices: readonly { userId: string; deviceId: string }[]): void {
    const states = this.byMessage.get(messageId) ?? new Map<string, DeliveryState>();
    for (const d of devices) states.set(`${d.userId}/${d.deviceId}`, advance(states.get(`${d.userId}/${d.deviceId}`) ?? 'pending', 'sent'));
    this.byMessage.set(messageId, states);
  }

  failed(messageId: string): void {
    this.byMessage.set(messageId, new Map([[FAILED, 'failed']]));
  }

  /**
   * A device reported the message delivered or read; false when that changes nothing, or the
   * message is not one of this device's own in that channel (sent before a restart included).
   */
  report(messageId: string, channelId: string, device: { userId: string; deviceId: number | string }, state: 'delivered' | 'read'): boolean {
    if (this.channelOf.get(messageId) !== channelId) return false;
    const states = this.byMessage.get(messageId) ?? new Map<string, DeliveryState>();
    if (states.has(FAILED)) return false;
    const key = `${device.userId}/${device.deviceId}`;
    const next = advance(states.get(key) ?? 'sent', state);
    if (states.get(key) === next) return false;
    states.set(key, next);
    this.byMessage.set(messageId, states);
    return true;
  }

  /** What the UI shows: "read" only where the channel's policy allows read receipts. */
  view(messageId: string, readReceipts: boolean): { delivery: DeliveryState; deliveries: DeviceDelivery[] } {
    const states = this.byMessage.get(messageId);
    if (!states) return { delivery: 'pending', deliveries: [] };
    if (states.has(FAILED)) return { delivery: 'failed', deliveries: [] };
    const deliveries = [...states.entries()].map(([k, s]) => {
      const slash = k.lastIndexOf('/');
      return { userId: k.slice(0, slash), deviceId: k.slice(slash + 1), state: visibleState(s, readReceipts) };
    });
    return { delivery: overall(deliveries.map((d) => d.state)), deliveries };
  }
}
