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

  it('0005 moves the engine state out of settings blobs into tables, keeping every record', () => {
    const db = fresh();
    migrate(db, 4);
    const put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
    put.run('engine.prekeysReady', 'true');
    put.run('engine.readUpTo', JSON.stringify({ c1: { sentAt: 10, id: 'm1' }, c2: { sentAt: 'bad' } }));
    put.run('engine.verified', JSON.stringify({ 'alice.b.3': '111', 'bob.1': '222' }));
    put.run('engine.rotatedAt', JSON.stringify({ c1: 4 }));
    put.run('engine.pausedReasons', JSON.stringify({ c2: 'on hold' }));
    put.run(
      'engine.wipes',
      JSON.stringify([
        {
          record: {
            channelId: 'c3',
            commandHash: 'ab',
            issuedAt: 50,
            expected: [
              { userId: 'alice', deviceId: '1', displayName: 'Alice' },
              { userId: 'carol/x', deviceId: '2', displayName: 'Carol' },
            ],
            confirmed: [['carol/x/2', 60]],
          },
          command: '0a0b',
        },
      ]),
    );
    db.prepare("INSERT INTO received (envelope_id, received_at) VALUES ('e1', 1)").run();
    expect(migrate(db, 5)).toBe(5);
    expect(db.prepare('SELECT key, value FROM settings').all()).toEqual([{ key: 'engine.prekeysReady', value: 'true' }]);
    expect(db.prepare('SELECT * FROM read_marks').all()).toEqual([{ channel_id: 'c1', sent_at: 10, message_id: 'm1' }]);
    expect(db.prepare('SELECT * FROM verified_safety_numbers ORDER BY user_id').all()).toEqual([
      { user_id: 'alice.b', device_id: '3', digits: '111' },
      { user_id: 'bob', device_id: '1', digits: '222' },
    ]);
    expect(db.prepare('SELECT * FROM key_rotations').all()).toEqual([{ channel_id: 'c1', epoch: 4 }]);
    expect(db.prepare('SELECT * FROM paused_reasons').all()).toEqual([{ channel_id: 'c2', reason: 'on hold' }]);
    expect(db.prepare('SELECT channel_id, command_hash, issued_at, hex(command) AS command FROM wipes').all()).toEqual([{ channel_id: 'c3', command_hash: 'ab', issued_at: 50, command: '0A0B' }]);
    expect(db.prepare('SELECT user_id, device_id, display_name FROM wipe_expected ORDER BY seq').all()).toEqual([
      { user_id: 'alice', device_id: '1', display_name: 'Alice' },
      { user_id: 'carol/x', device_id: '2', display_name: 'Carol' },
    ]);
    expect(db.prepare('SELECT user_id, device_id, at FROM wipe_confirmations').all()).toEqual([{ user_id: 'carol/x', device_id: '2', at: 60 }]);
    expect(db.prepare('SELECT envelope_id FROM received').all()).toEqual([{ envelope_id: 'e1' }]);
    db.close();
  });

  it('0005 opens a profile whose blobs are unreadable, dropping them', () => {
    const db = fresh();
    migrate(db, 4);
    db.prepare("INSERT INTO settings (key, value) VALUES ('engine.wipes', '{not json'), ('engine.readUpTo', '[1,2]')").run();
    expect(migrate(db, 5)).toBe(5);
    expect(db.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM wipes').get()).toEqual({ n: 0 });
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
