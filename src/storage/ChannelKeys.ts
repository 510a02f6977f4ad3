/**
 * The per-channel data keys. They live in their own table so that wiping a channel is one row
 * delete (crypto-shredding): every body sealed under the key is unreadable afterwards, even from a
 * backup of the file taken before the wipe if it is opened after the key row is gone from it.
 */
import crypto, { type KeyObject } from 'node:crypto';
import type { Db } from './Database.ts';
import { StorageUsageError } from './errors.ts';

export class ChannelKeys {
  private readonly cache = new Map<string, KeyObject>();
  private readonly getStmt;
  private readonly putStmt;
  private readonly delStmt;
  private readonly statusStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { key: Buffer }>('SELECT key FROM channel_keys WHERE channel_id = ?');
    this.putStmt = db.prepare('INSERT INTO channel_keys (channel_id, key) VALUES (?, ?)');
    this.delStmt = db.prepare('DELETE FROM channel_keys WHERE channel_id = ?');
    this.statusStmt = db.prepare<[string], { status: string }>('SELECT status FROM channels WHERE id = ?');
  }

  /** The channel's key, created on first use. Call inside the writing transaction. */
  forWrite(channelId: string): KeyObject {
    const existing = this.forRead(channelId);
    if (existing) return existing;
    // A late envelope must not bring a wiped channel back with a fresh key.
    if (this.statusStmt.get(channelId)?.status === 'wiped') {
      throw new StorageUsageError('This channel was wiped; nothing more can be stored in it.');
    }
    const raw = crypto.randomBytes(32);
    this.putStmt.run(channelId, raw);
    const key = crypto.createSecretKey(raw);
    raw.fill(0);
    this.cache.set(channelId, key);
    return key;
  }

  forRead(channelId: string): KeyObject | null {
    const cached = this.cache.get(channelId);
    if (cached) return cached;
    const row = this.getStmt.get(channelId);
    if (!row) return null;
    const key = crypto.createSecretKey(row.key);
    row.key.fill(0);
    this.cache.set(channelId, key);
    return key;
  }

  destroy(channelId: string): void {
    this.delStmt.run(channelId);
    this.cache.delete(channelId);
  }

  /** Forget cached keys (after a rollback the cache may hold a key whose row was never committed). */
  forgetCache(): void {
    this.cache.clear();
  }
}
