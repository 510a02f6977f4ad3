/**
 * The issuer's view of a wipe (DESIGN.md §5): which member devices have returned a verified,
 * signed receipt and which are still pending. "Wiped on 13 of 14 devices — waiting for: …".
 * Receipts are verified by the caller (crypto's verifyWipeReceipt) before they reach `confirm`.
 */
export interface DeviceKey {
  userId: string;
  deviceId: string;
  displayName: string;
}

export interface WipeRecord {
  channelId: string;
  /** Hex of the signed command's hash; receipts name it. */
  commandHash: string;
  issuedAt: number;
  expected: DeviceKey[];
  /** The channel's name when it was wiped, so that its wipe can be looked up by name afterwards. */
  channelName?: string;
  /** `${userId}/${deviceId}` → time of the receipt. */
  confirmed: Map<string, number>;
}

export interface WipeStatus {
  channelId: string;
  issuedAt: number;
  total: number;
  confirmed: (DeviceKey & { at: number })[];
  pending: (DeviceKey & { lastSeenAt: number | null })[];
}

const key = (userId: string, deviceId: string) => `${userId}/${deviceId}`;

export class WipeTracker {
  private readonly wipes = new Map<string, WipeRecord>();

  /** Records an issued wipe and the devices expected to confirm it (the issuing device included). */
  issue(channelId: string, commandHash: string, issuedAt: number, expected: DeviceKey[], channelName?: string): void {
    const unique = new Map(expected.map((d) => [key(d.userId, d.deviceId), d]));
    this.wipes.set(channelId, { channelId, commandHash, issuedAt, expected: [...unique.values()], confirmed: new Map(), ...(channelName !== undefined ? { channelName } : {}) });
  }

  /** The ids of the tracked wipes of channels that had this name (several channels may have shared it). */
  idsNamed(name: string): string[] {
    return [...this.wipes.values()].filter((w) => w.channelName === name).map((w) => w.channelId);
  }

  /**
   * A verified receipt arrived. Returns the new counts, or null when it does not belong to a wipe
   * we track, comes from a device that was not a member, or was already counted.
   */
  confirm(channelId: string, commandHash: string, userId: string, deviceId: string, at: number): { confirmed: number; total: number } | null {
    const w = this.wipes.get(channelId);
    if (!w || w.commandHash !== commandHash) return null;
    const k = key(userId, deviceId);
    if (!w.expected.some((d) => key(d.userId, d.deviceId) === k) || w.confirmed.has(k)) return null;
    w.confirmed.set(k, at);
    return { confirmed: w.confirmed.size, total: w.expected.length };
  }

  has(channelId: string): boolean {
    return this.wipes.has(channelId);
  }

  status(channelId: string, lastSeen: (userId: string, deviceId: string) => number | null): WipeStatus | null {
    const w = this.wipes.get(channelId);
    if (!w) return null;
    const confirmed: WipeStatus['confirmed'] = [];
    const pending: WipeStatus['pending'] = [];
    for (const d of w.expected) {
      const at = w.confirmed.get(key(d.userId, d.deviceId));
      if (at !== undefined) confirmed.push({ ...d, at });
      else pending.push({ ...d, lastSeenAt: lastSeen(d.userId, d.deviceId) });
    }
    return { channelId, issuedAt: w.issuedAt, total: w.expected.length, confirmed, pending };
  }

  /** For persistence: the records as plain data. */
  snapshot(): WipeRecord[] {
    return [...this.wipes.values()].map((w) => ({ ...w, confirmed: new Map(w.confirmed) }));
  }

  restore(records: readonly WipeRecord[]): void {
    for (const r of records) this.wipes.set(r.channelId, { ...r, confirmed: new Map(r.confirmed) });
  }
}
