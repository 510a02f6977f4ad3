/**
 * The engine's own state moves out of JSON blobs in `settings` into tables: wipes issued by this
 * device (one row per wipe, per expected device and per receipt), read marks, verified safety
 * numbers, sender-key rotations and pause reasons. Existing blobs are copied over and removed; an
 * unreadable blob is dropped rather than blocking the profile (it only held display state).
 */
import type { Db } from '../Database.ts';
import type { Migration } from './Migration.ts';

export const m0005: Migration = {
  version: 5,
  name: 'engine-state',
  up(db) {
    db.exec(`
      CREATE TABLE wipes (
        channel_id TEXT PRIMARY KEY,
        command_hash TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        -- The signed command (receipts are verified against it); empty when it was not kept.
        command BLOB NOT NULL,
        -- The channel's name when it was wiped: its wipe can be looked up by name afterwards.
        channel_name TEXT
      ) STRICT;
      CREATE TABLE wipe_expected (
        channel_id TEXT NOT NULL REFERENCES wipes(channel_id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        PRIMARY KEY (channel_id, user_id, device_id)
      ) STRICT;
      CREATE TABLE wipe_confirmations (
        channel_id TEXT NOT NULL REFERENCES wipes(channel_id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, user_id, device_id)
      ) STRICT;
      CREATE TABLE read_marks (
        channel_id TEXT PRIMARY KEY,
        sent_at INTEGER NOT NULL,
        message_id TEXT NOT NULL
      ) STRICT;
      CREATE TABLE verified_safety_numbers (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        digits TEXT NOT NULL,
        PRIMARY KEY (user_id, device_id)
      ) STRICT;
      CREATE TABLE key_rotations (
        channel_id TEXT PRIMARY KEY,
        epoch INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE paused_reasons (
        channel_id TEXT PRIMARY KEY,
        reason TEXT NOT NULL
      ) STRICT;
    `);
    copyBlobs(db);
  },
};

const KEYS = ['engine.wipes', 'engine.readUpTo', 'engine.verified', 'engine.rotatedAt', 'engine.pausedReasons'] as const;

function blob(db: Db, key: string): unknown {
  const r = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(key);
  if (!r) return undefined;
  try {
    return JSON.parse(r.value) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';
const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** "user.device" (verified) and "user/device" (wipe receipts): the device id is after the last separator. */
function splitDevice(key: string, sep: string): [string, string] | null {
  const i = key.lastIndexOf(sep);
  return i > 0 ? [key.slice(0, i), key.slice(i + 1)] : null;
}

function copyBlobs(db: Db): void {
  const readUpTo = blob(db, 'engine.readUpTo');
  if (isRecord(readUpTo)) {
    const put = db.prepare('INSERT INTO read_marks (channel_id, sent_at, message_id) VALUES (?, ?, ?)');
    for (const [channelId, m] of Object.entries(readUpTo)) if (isRecord(m) && int(m.sentAt) && str(m.id)) put.run(channelId, m.sentAt, m.id);
  }
  const verified = blob(db, 'engine.verified');
  if (isRecord(verified)) {
    const put = db.prepare('INSERT INTO verified_safety_numbers (user_id, device_id, digits) VALUES (?, ?, ?)');
    for (const [k, digits] of Object.entries(verified)) {
      const dev = splitDevice(k, '.');
      if (dev && str(digits)) put.run(dev[0], dev[1], digits);
    }
  }
  const rotated = blob(db, 'engine.rotatedAt');
  if (isRecord(rotated)) {
    const put = db.prepare('INSERT INTO key_rotations (channel_id, epoch) VALUES (?, ?)');
    for (const [channelId, epoch] of Object.entries(rotated)) if (int(epoch)) put.run(channelId, epoch);
  }
  const reasons = blob(db, 'engine.pausedReasons');
  if (isRecord(reasons)) {
    const put = db.prepare('INSERT INTO paused_reasons (channel_id, reason) VALUES (?, ?)');
    for (const [channelId, reason] of Object.entries(reasons)) if (str(reason)) put.run(channelId, reason);
  }
  const wipes = blob(db, 'engine.wipes');
  if (Array.isArray(wipes)) {
    const wipe = db.prepare('INSERT OR REPLACE INTO wipes (channel_id, command_hash, issued_at, command) VALUES (?, ?, ?, ?)');
    const expected = db.prepare('INSERT OR IGNORE INTO wipe_expected (channel_id, seq, user_id, device_id, display_name) VALUES (?, ?, ?, ?, ?)');
    const confirmed = db.prepare('INSERT OR IGNORE INTO wipe_confirmations (channel_id, user_id, device_id, at) VALUES (?, ?, ?, ?)');
    for (const w of wipes) {
      if (!isRecord(w) || !isRecord(w.record)) continue;
      const r = w.record;
      if (!str(r.channelId) || !str(r.commandHash) || !int(r.issuedAt)) continue;
      const command = str(w.command) && /^([0-9a-f]{2})*$/.test(w.command) ? Buffer.from(w.command, 'hex') : Buffer.alloc(0);
      wipe.run(r.channelId, r.commandHash, r.issuedAt, command);
      let seq = 0;
      for (const d of Array.isArray(r.expected) ? r.expected : []) {
        if (isRecord(d) && str(d.userId) && str(d.deviceId) && str(d.displayName)) expected.run(r.channelId, seq++, d.userId, d.deviceId, d.displayName);
      }
      for (const c of Array.isArray(r.confirmed) ? r.confirmed : []) {
        const dev = Array.isArray(c) && str(c[0]) ? splitDevice(c[0], '/') : null;
        if (dev && int(c[1])) confirmed.run(r.channelId, dev[0], dev[1], c[1]);
      }
    }
  }
  const del = db.prepare('DELETE FROM settings WHERE key = ?');
  for (const k of KEYS) del.run(k);
}
