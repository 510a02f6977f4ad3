import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import { initial } from './migrations/0001-initial.ts';
import { migrate, MIGRATIONS } from './migrations/migrate.ts';
import { SqliteRelayStore } from './SqliteRelayStore.ts';

const bob = { userId: 'bob', deviceId: 1 };
const room = (maxDepth: number, o: Partial<{ perSender: number; controlReserve: number }> = {}) => ({ maxDepth, perSender: o.perSender ?? maxDepth, controlReserve: o.controlReserve ?? 0 });
const item = (n: number, o: Partial<{ expiresMs: number; channel: number }> = {}) => ({
  id: new Uint8Array(16).fill(n),
  kind: 'envelope' as const,
  channelId: new Uint8Array(16).fill(o.channel ?? 0),
  payload: new Uint8Array([n]),
  expiresMs: o.expiresMs ?? Date.now() + 60_000,
});

describe('SqliteRelayStore', () => {
  it('keeps a queue in order, deletes only what is acknowledged, and never queues an id twice', async () => {
    const s = new SqliteRelayStore(':memory:');
    for (let n = 1; n <= 3; n++) await s.enqueue([bob], item(n), room(10), Date.now() + 60_000);
    expect((await s.enqueue([bob], item(2), room(10), Date.now() + 60_000)).duplicate).toBe(true);
    const q = s.readQueue(bob, 0, 10, Date.now());
    expect(q.map((i) => i.payload[0])).toEqual([1, 2, 3]);
    expect(await s.ack(bob, [q[1]!.seq])).toBe(1);
    expect(await s.ack({ userId: 'eve', deviceId: 1 }, [q[0]!.seq])).toBe(0); // not eve's to delete
    expect(s.readQueue(bob, 0, 10, Date.now()).map((i) => i.payload[0])).toEqual([1, 3]);
    expect(s.queueDepth(bob)).toBe(2);
    s.close();
  });

  it('keeps the relay\'s receipt time with each item, and 0 for an item that has none', async () => {
    const s = new SqliteRelayStore(':memory:');
    await s.enqueue([bob], { ...item(1), receivedMs: 1_700_000_123_456 }, room(10), Date.now() + 60_000);
    await s.enqueue([bob], item(2), room(10), Date.now() + 60_000);
    expect(s.readQueue(bob, 0, 10, Date.now()).map((i) => i.receivedMs)).toEqual([1_700_000_123_456, 0]);
    s.close();
  });

  it('refuses beyond the depth limit and forgets the id so a retry can pass later', async () => {
    const s = new SqliteRelayStore(':memory:');
    await s.enqueue([bob], item(1), room(1), Date.now() + 60_000);
    const full = await s.enqueue([bob], item(2), room(1), Date.now() + 60_000);
    expect(full.full).toEqual([bob]);
    await s.ack(bob, [s.readQueue(bob, 0, 10, Date.now())[0]!.seq]);
    expect((await s.enqueue([bob], item(2), room(1), Date.now() + 60_000)).placed).toHaveLength(1);
    s.close();
  });

  it('gives each sender its share of a queue and keeps room for control items beyond the limit', async () => {
    const s = new SqliteRelayStore(':memory:');
    const r = room(4, { perSender: 2, controlReserve: 1 });
    const from = (sender: string, n: number) => ({ ...item(n), sender });
    expect((await s.enqueue([bob], from('eve:1', 1), r)).placed).toHaveLength(1);
    expect((await s.enqueue([bob], from('eve:1', 2), r)).placed).toHaveLength(1);
    expect((await s.enqueue([bob], from('eve:1', 3), r)).full).toEqual([bob]); // eve's share is used up
    expect((await s.enqueue([bob], from('ann:1', 4), r)).placed).toHaveLength(1);
    expect((await s.enqueue([bob], from('ann:1', 5), r)).placed).toHaveLength(1);
    expect((await s.enqueue([bob], from('joe:1', 6), r)).full).toEqual([bob]); // the queue is full for envelopes
    expect((await s.enqueue([bob], { ...item(7), kind: 'wipe' }, r)).placed).toHaveLength(1); // not for a wipe
    expect((await s.enqueue([bob], { ...item(8), kind: 'revocation' }, r)).full).toEqual([bob]); // the reserve is used up
    // Acknowledged items of eve's give the queue and eve room again.
    await s.ack(bob, s.readQueue(bob, 0, 2, Date.now()).map((i) => i.seq));
    expect((await s.enqueue([bob], from('eve:1', 9), r)).placed).toHaveLength(1);
    await s.close();
  });

  it('expires items and wipes a channel\'s envelopes but not its wipe', async () => {
    const s = new SqliteRelayStore(':memory:');
    await s.enqueue([bob], item(1, { expiresMs: Date.now() - 1 }), room(10));
    await s.enqueue([bob], item(2, { channel: 7 }), room(10));
    await s.enqueue([bob], { ...item(3, { channel: 7 }), kind: 'wipe' }, room(10));
    expect(s.readQueue(bob, 0, 10, Date.now()).map((i) => i.payload[0])).toEqual([2, 3]);
    expect(s.expire(Date.now())).toBe(1);
    expect(s.wipeChannel(new Uint8Array(16).fill(7))).toBe(1);
    expect(s.readQueue(bob, 0, 10, Date.now()).map((i) => i.kind)).toEqual(['wipe']);
    expect(s.listWipedChannelIds()).toHaveLength(1);
    s.close();
  });

  it('dedupes a resend by its send time and id', async () => {
    const s = new SqliteRelayStore(':memory:');
    const sent = { ...item(1), sentAtMs: 1_700_000_000_000 };
    expect((await s.enqueue([bob], sent, room(10), Date.now() + 60_000)).placed).toHaveLength(1);
    expect((await s.enqueue([bob], sent, room(10), Date.now() + 60_000)).duplicate).toBe(true);
    expect((await s.enqueue([bob], { ...sent, id: item(2).id }, room(10), Date.now() + 60_000)).duplicate).toBe(false);
    await s.close();
  });

  it('migrates a data directory made before numbered migrations: data kept, the former dedupe table gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-relay-store-'));
    const file = path.join(dir, 'relay.db');
    const old = new Database(file);
    old.exec(initial.sql); // as such a directory has it: every table, user_version 0
    old.prepare("INSERT INTO members VALUES ('bob', 'Bob', 3, 'delegate', '7', x'01')").run();
    old.prepare("INSERT INTO queue (user_id, device_id, item_id, kind, channel_id, payload, expires_ms) VALUES ('bob', 1, x'00', 'envelope', x'', x'2a', ?)").run(Date.now() + 60_000);
    old.prepare('INSERT INTO seen VALUES (?, ?)').run(item(9).id, Date.now() + 60_000);
    old.close();
    const s = new SqliteRelayStore(file);
    expect(s.getMember('bob')?.serial).toBe(7n);
    expect(s.readQueue(bob, 0, 10, Date.now()).map((i) => [i.payload[0], i.receivedMs])).toEqual([[42, 0]]); // kept, unstamped
    const db = (s as unknown as { db: Database.Database }).db;
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'seen'").get()).toBeUndefined();
    await s.close();
    // Opening again applies nothing twice.
    const again = new SqliteRelayStore(file);
    expect(again.getMember('bob')?.serial).toBe(7n);
    await again.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses a database of a newer relay instead of running on a schema it does not know', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 9999');
    expect(() => migrate(db)).toThrow(/newer than this relay/);
    db.close();
  });

  it('tells at commit what was placed, and settles `durable` only after the WAL sync that follows', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-relay-store-'));
    const s = new SqliteRelayStore(path.join(dir, 'relay.db'));
    const held: (() => void)[] = [];
    const real = fs.fdatasync;
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      held.push(() => real(fd, cb));
    }) as typeof fs.fdatasync);
    const r = await s.enqueue([bob], item(1), room(10), Date.now() + 60_000);
    expect(r.placed).toHaveLength(1);
    let durable = false;
    void r.durable!.then(() => (durable = true));
    await new Promise((res) => setTimeout(res, 20));
    expect(durable).toBe(false);
    expect(held).toHaveLength(1);
    held.shift()!();
    await vi.waitFor(() => expect(durable).toBe(true));
    spy.mockRestore();
    await s.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('hands out each one-time prekey once and falls back to the Kyber last-resort key', () => {
    const s = new SqliteRelayStore(':memory:');
    s.putPrekeys(bob, { signedPrekey: new Uint8Array([1]), kyberLastResort: new Uint8Array([2]), oneTime: [{ id: 5, record: new Uint8Array([5]) }], oneTimeKyber: [] });
    const a = s.takeBundle(bob)!;
    const b = s.takeBundle(bob)!;
    expect(a.oneTime?.id).toBe(5);
    expect(b.oneTime).toBeUndefined();
    expect(b.kyber).toMatchObject({ lastResort: true, id: 0 });
    expect(s.takeBundle({ userId: 'nobody', deviceId: 1 })).toBeUndefined();
    s.close();
  });

  it('keeps the audit log append-only', () => {
    const s = new SqliteRelayStore(':memory:');
    s.appendAudit({ atMs: 1, event: 'device.revoked', actor: 'org', subject: 'bob:1', detail: '' });
    const db = (s as unknown as { db: { exec(sql: string): void } }).db;
    expect(() => db.exec("UPDATE audit SET event = 'nothing'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only/);
    expect(s.readAudit(0, 10).map((e) => e.event)).toEqual(['device.revoked']);
    s.close();
  });

  it('persists on disk with checkpoints off the event loop, and leaves no WAL behind on close', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-relay-store-'));
    const file = path.join(dir, 'relay.db');
    const s = new SqliteRelayStore(file);
    for (let n = 1; n <= 50; n++) await s.enqueue([bob], item(n), room(100), Date.now() + 60_000);
    await s.close();
    expect(fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0).toBe(0);
    const again = new SqliteRelayStore(file);
    expect(again.readQueue(bob, 0, 100, Date.now())).toHaveLength(50);
    await again.close();
    fs.rmSync(dir, { recursive: true });
  });
});
