import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './Database.ts';
import { StoreCorrupt, WrongKey } from './errors.ts';
import { migrate } from './migrations/index.ts';
import { snapshot, tempDir } from '../../test/storage/support.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function makeDb(name: string): { dir: string; file: string; key: Buffer } {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'valise.db');
  const key = crypto.randomBytes(32);
  const db = openDatabase(file, key, { create: true });
  migrate(db);
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('greeting', JSON.stringify('plain words here'));
  for (let i = 0; i < 200; i++) db.prepare('INSERT INTO audit_log (at, actor, action, subject) VALUES (?, ?, ?, ?)').run(i, 'me', 'x'.repeat(100), 's');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { dir, file, key };
}

describe('openDatabase', () => {
  it('writes a SQLCipher-format file with no plaintext header or content', () => {
    const { file, key } = makeDb('format');
    const raw = fs.readFileSync(file);
    expect(raw.subarray(0, 16).toString('latin1')).not.toContain('SQLite format 3');
    expect(raw.indexOf(Buffer.from('plain words here'))).toBe(-1);
    const db = openDatabase(file, key);
    expect(db.pragma('cipher', { simple: true })).toBe('sqlcipher');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
  });

  it('refuses a wrong key with WrongKey and leaves every file byte-identical', () => {
    const { dir, file } = makeDb('wrong');
    const before = snapshot(dir);
    expect(() => openDatabase(file, crypto.randomBytes(32))).toThrow(WrongKey);
    expect(snapshot(dir)).toEqual(before);
  });

  it('reports a truncated file as StoreCorrupt when the key is known to be right, without writing', () => {
    const { dir, file, key } = makeDb('truncated');
    fs.truncateSync(file, 1000);
    const before = snapshot(dir);
    expect(() => openDatabase(file, key, { keyVerified: true })).toThrow(StoreCorrupt);
    expect(snapshot(dir)).toEqual(before);
  });

  it('reports a flipped byte in page 1 as StoreCorrupt, without writing', () => {
    const { dir, file, key } = makeDb('flipped');
    const raw = fs.readFileSync(file);
    raw[100] = raw[100]! ^ 0xff;
    fs.writeFileSync(file, raw);
    const before = snapshot(dir);
    expect(() => openDatabase(file, key, { keyVerified: true })).toThrow(StoreCorrupt);
    expect(snapshot(dir)).toEqual(before);
  });

  it('reports damage found later, when a damaged page is first read, as StoreCorrupt', async () => {
    const { LocalStore } = await import('./LocalStore.ts');
    const dir = path.join(root, 'deep');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'valise.db');
    const key = crypto.randomBytes(32);
    const db = openDatabase(file, key, { create: true });
    migrate(db);
    const store = new LocalStore(db);
    store.transaction((r) => {
      for (let i = 0; i < 3000; i++) r.messages.insert({ id: `m${i}`, channelId: 'c', sender: 's', sentAt: i, text: `entry ${i}` });
    });
    store.close();
    const schemaPages = new Set<number>();
    {
      const check = openDatabase(file, key);
      for (const r of check.prepare("SELECT pageno FROM dbstat WHERE name IN ('sqlite_schema', 'sqlite_master')").all() as { pageno: number }[]) schemaPages.add(r.pageno);
      check.close();
    }
    const raw = fs.readFileSync(file);
    for (let p = 2; p <= raw.length / 4096; p++) if (!schemaPages.has(p)) raw[(p - 1) * 4096 + 700] = raw[(p - 1) * 4096 + 700]! ^ 0xff;
    fs.writeFileSync(file, raw);
    const damaged = new LocalStore(openDatabase(file, key, { keyVerified: true }));
    expect(() => damaged.messages.latest('c', 50)).toThrow(StoreCorrupt);
    damaged.db.close();
  });

  it('reports an empty or missing file as StoreCorrupt', () => {
    const dir = path.join(root, 'empty');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'valise.db'), '');
    expect(() => openDatabase(path.join(dir, 'valise.db'), crypto.randomBytes(32), { keyVerified: true })).toThrow(StoreCorrupt);
    expect(() => openDatabase(path.join(dir, 'none.db'), crypto.randomBytes(32))).toThrow(StoreCorrupt);
    expect(fs.existsSync(path.join(dir, 'none.db'))).toBe(false);
  });
});
