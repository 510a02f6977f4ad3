import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../Database.ts';
import { SchemaTooNew } from '../errors.ts';
import { LATEST_SCHEMA, MIGRATIONS, migrate, schemaVersion } from './index.ts';
import { tempDir } from '../../../test/storage/support.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
function fresh(): Db {
  return openDatabase(path.join(root, `m${n++}.db`), crypto.randomBytes(32), { create: true });
}

const tables = (db: Db): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'message_fts_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('migrations', () => {
  it('are numbered 1..N without gaps and named NNNN-name', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    const files = fs.readdirSync(import.meta.dirname).filter((f) => /^\d{4}-[a-z-]+\.ts$/.test(f));
    expect(files.map((f) => Number(f.slice(0, 4)))).toEqual(MIGRATIONS.map((m) => m.version));
    expect(LATEST_SCHEMA).toBe(MIGRATIONS.length);
  });

  it('0001 creates a working schema', () => {
    const db = fresh();
    expect(migrate(db, 1)).toBe(1);
    db.prepare("INSERT INTO messages (channel_id, sent_at, seq, id, sender, received_at, body) VALUES ('c', 1, 1, 'a', 's', 1, x'00')").run();
    expect(() => db.prepare("INSERT INTO messages (channel_id, sent_at, seq, id, sender, received_at, body) VALUES ('d', 2, 2, 'a', 's', 1, x'00')").run()).toThrow(/UNIQUE/);
    expect(tables(db)).toEqual(['channel_indexes', 'channel_keys', 'channel_members', 'channels', 'messages', 'outbox', 'received', 'settings']);
    db.close();
  });

  it('0002 keeps version-1 data and adds the protocol tables', () => {
    const db = fresh();
    migrate(db, 1);
    db.prepare("INSERT INTO messages (channel_id, sent_at, seq, id, sender, received_at, body) VALUES ('c', 1, 1, 'a', 's', 1, x'01')").run();
    db.prepare("INSERT INTO settings (key, value) VALUES ('k', '1')").run();
    expect(migrate(db, 2)).toBe(2);
    expect(db.prepare('SELECT id FROM messages').all()).toEqual([{ id: 'a' }]);
    expect(db.prepare('SELECT value FROM settings').all()).toEqual([{ value: '1' }]);
    db.prepare("INSERT INTO sessions (name, device_id, record) VALUES ('bob', 1, x'02')").run();
    expect(tables(db)).toEqual(expect.arrayContaining(['sessions', 'identities', 'kyber_used', 'sender_keys', 'channel_distributions']));
    db.close();
  });

  it('0003 keeps version-2 data and adds certificates, receipts, audit log and state history', () => {
    const db = fresh();
    migrate(db, 2);
    db.prepare("INSERT INTO sessions (name, device_id, record) VALUES ('bob', 1, x'02')").run();
    db.prepare("INSERT INTO messages (channel_id, sent_at, seq, id, sender, received_at, body) VALUES ('c', 1, 1, 'a', 's', 1, x'01')").run();
    expect(migrate(db, 3)).toBe(3);
    expect(db.prepare('SELECT name FROM sessions').all()).toEqual([{ name: 'bob' }]);
    expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 1 });
    db.prepare("INSERT INTO audit_log (at, actor, action, subject) VALUES (1, 'me', 'wipe', 'c')").run();
    expect(tables(db)).toEqual(expect.arrayContaining(['certificates', 'revocations', 'wipe_receipts', 'audit_log', 'channel_states']));
    db.close();
  });

  it('tracks user_version and does nothing when up to date', () => {
    const db = fresh();
    migrate(db);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA);
    expect(migrate(db)).toBe(LATEST_SCHEMA);
    db.close();
  });

  it('refuses a schema newer than this build with SchemaTooNew, changing nothing', () => {
    const db = fresh();
    migrate(db);
    db.pragma(`user_version = ${LATEST_SCHEMA + 1}`);
    expect(() => migrate(db)).toThrow(SchemaTooNew);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA + 1);
    db.close();
  });

  it('rolls a failing migration back completely', () => {
    const db = fresh();
    migrate(db, 1);
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, name: 'broken', up: (d: Db) => { d.exec('CREATE TABLE half (x)'); throw new Error('boom'); } },
    ];
    expect(() => migrate(db, 2, broken)).toThrow('boom');
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).not.toContain('half');
    db.close();
  });
});
