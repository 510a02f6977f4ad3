/** Wipes this device issued: one row per wipe, per device expected to confirm it, and per receipt. */
import type { Db } from '../Database.ts';

export interface WipeDevice {
  userId: string;
  deviceId: string;
  displayName: string;
}

export interface StoredWipe {
  channelId: string;
  commandHash: string;
  issuedAt: number;
  /** The signed command; empty if it was not kept. */
  command: Uint8Array;
  expected: WipeDevice[];
  /** The channel's name when it was wiped. */
  channelName?: string;
  /** Receipts counted so far. */
  confirmed: { userId: string; deviceId: string; at: number }[];
}

export class WipeRepository {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      put: db.prepare('INSERT OR REPLACE INTO wipes (channel_id, command_hash, issued_at, command, channel_name) VALUES (?, ?, ?, ?, ?)'),
      clearExpected: db.prepare('DELETE FROM wipe_expected WHERE channel_id = ?'),
      clearConfirmed: db.prepare('DELETE FROM wipe_confirmations WHERE channel_id = ?'),
      expect: db.prepare('INSERT OR IGNORE INTO wipe_expected (channel_id, seq, user_id, device_id, display_name) VALUES (?, ?, ?, ?, ?)'),
      confirm: db.prepare('INSERT OR IGNORE INTO wipe_confirmations (channel_id, user_id, device_id, at) VALUES (?, ?, ?, ?)'),
      all: db.prepare<[], { channel_id: string; command_hash: string; issued_at: number; command: Buffer; channel_name: string | null }>('SELECT * FROM wipes ORDER BY rowid'),
      expected: db.prepare<[], { channel_id: string; user_id: string; device_id: string; display_name: string }>('SELECT * FROM wipe_expected ORDER BY channel_id, seq'),
      confirmed: db.prepare<[], { channel_id: string; user_id: string; device_id: string; at: number }>('SELECT * FROM wipe_confirmations ORDER BY channel_id, at, rowid'),
    };
  }

  /** A new wipe of the channel replaces an earlier one, receipts included. */
  issue(w: Omit<StoredWipe, 'confirmed'>): void {
    this.s.put.run(w.channelId, w.commandHash, w.issuedAt, Buffer.from(w.command), w.channelName ?? null);
    this.s.clearExpected.run(w.channelId);
    this.s.clearConfirmed.run(w.channelId);
    w.expected.forEach((d, i) => this.s.expect.run(w.channelId, i, d.userId, d.deviceId, d.displayName));
  }

  /** One receipt counted; false if it was already. */
  confirm(channelId: string, userId: string, deviceId: string, at: number): boolean {
    return this.s.confirm.run(channelId, userId, deviceId, at).changes === 1;
  }

  list(): StoredWipe[] {
    const byChannel = new Map<string, StoredWipe>();
    for (const r of this.s.all.all()) {
      byChannel.set(r.channel_id, { channelId: r.channel_id, commandHash: r.command_hash, issuedAt: r.issued_at, command: new Uint8Array(r.command), expected: [], confirmed: [], ...(r.channel_name !== null ? { channelName: r.channel_name } : {}) });
    }
    for (const r of this.s.expected.all()) byChannel.get(r.channel_id)?.expected.push({ userId: r.user_id, deviceId: r.device_id, displayName: r.display_name });
    for (const r of this.s.confirmed.all()) byChannel.get(r.channel_id)?.confirmed.push({ userId: r.user_id, deviceId: r.device_id, at: r.at });
    return [...byChannel.values()];
  }
}
