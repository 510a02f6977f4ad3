/**
 * Per-device delivery state of this device's own messages, as the relay's acks and the members'
 * receipts report it. Recorded channels keep it in the encrypted profile (it survives a restart
 * and is wiped with the channel); off-the-record channels keep it in memory only.
 */
import type { DeliveryState } from '../../shared/api/schemas.ts';
import { advance, overall, visibleState } from './delivery.ts';

export interface DeviceDelivery {
  userId: string;
  deviceId: string;
  state: DeliveryState;
}

/** What the book needs of the profile's DeliveryRepository. */
export interface DeliveryDisk {
  own(messageId: string, channelId: string, at: number): void;
  setStatus(messageId: string, status: 'sent' | 'failed'): void;
  put(messageId: string, userId: string, deviceId: string, state: DeliveryState, at: number): void;
  get(messageId: string): { channelId: string; status: MessageStatus; devices: { userId: string; deviceId: string; state: DeliveryState }[] } | null;
}

type MessageStatus = 'pending' | 'sent' | 'failed';

interface Entry {
  channelId: string;
  status: MessageStatus;
  /** `${userId}/${deviceId}` → state. */
  states: Map<string, DeliveryState>;
}

const key = (userId: string, deviceId: string | number) => `${userId}/${deviceId}`;

export class DeliveryBook {
  /** Off-the-record messages only (and every message when there is no disk). */
  private readonly memory = new Map<string, Entry>();

  private get disk(): DeliveryDisk | null {
    return this.profile();
  }

  /**
   * @param profile the profile's repository (null: keep everything in memory, e.g. once closed)
   * @param onDisk whether a channel's delivery state may be written to the profile
   */
  constructor(
    private readonly profile: () => DeliveryDisk | null = () => null,
    private readonly onDisk: (channelId: string) => boolean = () => true,
    private readonly now: () => number = Date.now,
  ) {}

  /** This device's message is on its way (in the outbox): receipts for it are taken from now on. */
  own(messageId: string, channelId: string): void {
    if (this.disk && this.onDisk(channelId)) this.disk.own(messageId, channelId, this.now());
    else this.memory.set(messageId, { channelId, status: 'pending', states: new Map() });
  }

  /** The relay took the message for these devices. A receipt may have overtaken the ack. */
  sent(messageId: string, devices: readonly { userId: string; deviceId: string }[]): void {
    const e = this.entry(messageId);
    if (!e || e.entry.status === 'failed') return;
    this.setStatus(e, messageId, 'sent');
    this.update(messageId, devices.map((d) => ({ ...d, state: 'sent' as const })), e);
  }

  /** These devices cannot be reached (no keys published, or no device at all): they will not get it. */
  unreachable(messageId: string, devices: readonly { userId: string; deviceId: string }[]): void {
    this.update(messageId, devices.map((d) => ({ ...d, state: 'unreachable' as const })));
  }

  failed(messageId: string): void {
    const e = this.entry(messageId);
    if (e && e.entry.status === 'pending') this.setStatus(e, messageId, 'failed');
  }

  private setStatus(e: { entry: Entry; disk: boolean }, messageId: string, status: 'sent' | 'failed'): void {
    e.entry.status = status;
    if (e.disk) this.disk?.setStatus(messageId, status);
  }

  /**
   * A device reported the message delivered or read; false when that changes nothing, or the
   * message is not one of this device's own in that channel.
   */
  report(messageId: string, channelId: string, device: { userId: string; deviceId: number | string }, state: 'delivered' | 'read'): boolean {
    const e = this.entry(messageId);
    if (!e || e.entry.channelId !== channelId || e.entry.status === 'failed') return false;
    return this.update(messageId, [{ userId: device.userId, deviceId: String(device.deviceId), state }], e) > 0;
  }

  /** What the UI shows: "read" only where the channel's policy allows read receipts. */
  view(messageId: string, readReceipts: boolean): { delivery: DeliveryState; deliveries: DeviceDelivery[] } {
    const e = this.entry(messageId)?.entry;
    if (!e) return { delivery: 'pending', deliveries: [] };
    if (e.status === 'failed') return { delivery: 'failed', deliveries: [] };
    // A receipt may overtake the relay's ack: what devices report counts even while "pending".
    if (e.status === 'pending' && e.states.size === 0) return { delivery: 'pending', deliveries: [] };
    const deliveries = [...e.states.entries()].map(([k, s]) => {
      const slash = k.lastIndexOf('/');
      return { userId: k.slice(0, slash), deviceId: k.slice(slash + 1), state: visibleState(s, readReceipts) };
    });
    deliveries.sort((a, b) => a.userId.localeCompare(b.userId) || a.deviceId.localeCompare(b.deviceId));
    return { delivery: overall(deliveries.map((d) => d.state)), deliveries };
  }

  /** A wiped channel: forget what memory holds of it (the profile's rows go with the wipe). */
  forgetChannel(channelId: string): void {
    for (const [id, e] of this.memory) if (e.channelId === channelId) this.memory.delete(id);
  }

  private entry(messageId: string): { entry: Entry; disk: boolean } | null {
    const m = this.memory.get(messageId);
    if (m) return { entry: m, disk: false };
    const r = this.disk?.get(messageId);
    if (!r) return null;
    return { entry: { channelId: r.channelId, status: r.status, states: new Map(r.devices.map((d) => [key(d.userId, d.deviceId), d.state])) }, disk: true };
  }

  /** Moves each device's state forward (never back); returns how many changed. */
  private update(messageId: string, next: readonly DeviceDelivery[], known?: { entry: Entry; disk: boolean }): number {
    const e = known ?? this.entry(messageId);
    if (!e || e.entry.status === 'failed') return 0;
    let changed = 0;
    const at = this.now();
    for (const d of next) {
      const k = key(d.userId, d.deviceId);
      const before = e.entry.states.get(k);
      const after = advance(before ?? 'pending', d.state);
      if (after === before) continue;
      e.entry.states.set(k, after);
      if (e.disk) this.disk?.put(messageId, d.userId, d.deviceId, after, at);
      changed++;
    }
    return changed;
  }
}
