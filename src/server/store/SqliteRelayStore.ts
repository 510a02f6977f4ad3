/**
 * The embedded relay store on SQLite (better-sqlite3-multiple-ciphers in plain, unencrypted mode).
 * The relay holds no secrets: queued envelopes are end-to-end ciphertext and everything else is
 * public signed records, so a database key would protect nothing that the host's disk encryption
 * does not. WAL with synchronous=NORMAL, and WalSync syncs the WAL off the event loop before any
 * caller learns of a commit: what is acknowledged survives a power loss, as with FULL (README).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { Checkpointer } from '../../base/Checkpointer.ts';
import { WalSync } from '../../base/WalSync.ts';
import type {
  AuditRecord,
  ChannelRecord,
  DeviceAddress,
  DeviceRecord,
  EnqueueResult,
  EnrolmentRecord,
  MemberRecord,
  PrekeyUpload,
  QueueItem,
  QueueItemKind,
  QueuedItem,
  RelayStore,
  RevocationRecord,
  TakenBundle,
} from './RelayStore.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS members (user_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, clearance INTEGER NOT NULL,
  roles TEXT NOT NULL, serial TEXT NOT NULL, certificate BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS devices (user_id TEXT NOT NULL, device_id INTEGER NOT NULL, identity_key BLOB NOT NULL,
  serial TEXT NOT NULL, not_after_ms INTEGER NOT NULL, certificate BLOB NOT NULL, PRIMARY KEY (user_id, device_id));
CREATE TABLE IF NOT EXISTS revocations (serial TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id INTEGER NOT NULL,
  revocation BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS enrolments (request_id TEXT PRIMARY KEY, request BLOB NOT NULL, code TEXT NOT NULL,
  display_name TEXT NOT NULL, submitted_ms INTEGER NOT NULL, user_id TEXT, device_certificate BLOB);
CREATE TABLE IF NOT EXISTS enrolment_nonces (request_id TEXT PRIMARY KEY, nonce_record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signed_prekeys (user_id TEXT NOT NULL, device_id INTEGER NOT NULL, signed_prekey BLOB,
  kyber_last_resort BLOB, PRIMARY KEY (user_id, device_id));
CREATE TABLE IF NOT EXISTS one_time_prekeys (user_id TEXT NOT NULL, device_id INTEGER NOT NULL, kyber INTEGER NOT NULL,
  key_id INTEGER NOT NULL, record BLOB NOT NULL, PRIMARY KEY (user_id, device_id, kyber, key_id));
-- Dedupe of item ids, keyed by the sender's send time first: ids are random, and a random key
-- dirties a page of its own in every commit (one 4 KiB WAL write per delivery), while keys that
-- grow with the clock land on the same few pages. A resend has the same bytes, so the same key.
CREATE TABLE IF NOT EXISTS dedupe (sent_ms INTEGER NOT NULL, id BLOB NOT NULL, until_ms INTEGER NOT NULL,
  PRIMARY KEY (sent_ms, id)) WITHOUT ROWID;
-- The former dedupe table (by id alone): still consulted while it holds unexpired ids.
CREATE TABLE IF NOT EXISTS seen (id BLOB PRIMARY KEY, until_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, device_id INTEGER NOT NULL,
  item_id BLOB NOT NULL, kind TEXT NOT NULL, channel_id BLOB NOT NULL, payload BLOB NOT NULL, expires_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS queue_device ON queue (user_id, device_id, seq);
-- One index only: every send and ack pays for each index, while wipes and the once-a-minute expiry
-- sweep are rare enough to scan. Duplicates are kept out by the relay-wide \`seen\` table; acks delete
-- by sequence number.
CREATE TABLE IF NOT EXISTS channel_changes (channel_id BLOB NOT NULL, n INTEGER NOT NULL, change BLOB NOT NULL,
  PRIMARY KEY (channel_id, n));
CREATE TABLE IF NOT EXISTS wiped_channels (channel_id BLOB PRIMARY KEY, wiped_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, event TEXT NOT NULL,
  actor TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL);
-- The audit log is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
`;

interface QueueRow {
  seq: number;
  item_id: Buffer;
  kind: string;
  channel_id: Buffer;
  payload: Buffer;
  expires_ms: number;
}

const RESOLVED = Promise.resolve();

/** A write of a group commit: its result, and when it is on stable storage. */
interface Committed<T> {
  value: T;
  durable: Promise<void>;
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const key = (d: DeviceAddress): string => `${d.userId}\u0000${d.deviceId}`;

export class SqliteRelayStore implements RelayStore {
  private readonly db: Database.Database;
  private readonly depth = new Map<string, number>();
  private readonly checkpointer: Checkpointer | undefined;
  private readonly walSync: WalSync | undefined;
  private batch: { op: () => unknown; resolve: (v: Committed<unknown>) => void; reject: (e: unknown) => void }[] = [];
  /** Runs a function in a savepoint when called inside a transaction (built once: building is not free). */
  private readonly savepoint: (op: () => unknown) => unknown;
  /** Runs a turn's writes in one transaction, rolled back as a whole if one throws. */
  private readonly together: (ops: { op: () => unknown }[]) => unknown[];
  private readonly st;
  /** The former dedupe table still holds ids (an older data directory). */
  private legacySeen: boolean;

  /** `file` is a path, or ':memory:' for tests. */
  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Commits do not wait for the disk; WalSync makes them durable before anyone is answered.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    if (file !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(file);
      this.walSync = new WalSync(`${file}-wal`);
    }
    this.db.exec(SCHEMA);
    const db = this.db;
    this.savepoint = db.transaction((op: () => unknown) => op());
    this.together = db.transaction((ops: { op: () => unknown }[]) => ops.map((o) => o.op()));
    this.st = {
      putMember: db.prepare(
        `INSERT INTO members VALUES (@userId, @displayName, @clearance, @roles, @serial, @certificate)
         ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, clearance = excluded.clearance,
         roles = excluded.roles, serial = excluded.serial, certificate = excluded.certificate`,
      ),
      getMember: db.prepare('SELECT * FROM members WHERE user_id = ?'),
      listMembers: db.prepare('SELECT * FROM members ORDER BY user_id'),
      putDevice: db.prepare(
        `INSERT INTO devices VALUES (@userId, @deviceId, @identityKey, @serial, @notAfterMs, @certificate)
         ON CONFLICT (user_id, device_id) DO UPDATE SET identity_key = excluded.identity_key, serial = excluded.serial,
         not_after_ms = excluded.not_after_ms, certificate = excluded.certificate`,
      ),
      getDevice: db.prepare('SELECT * FROM devices WHERE user_id = ? AND device_id = ?'),
      listDevicesOf: db.prepare('SELECT * FROM devices WHERE user_id = ? ORDER BY device_id'),
      listDevices: db.prepare('SELECT * FROM devices ORDER BY user_id, device_id'),
      putRevocation: db.prepare('INSERT OR IGNORE INTO revocations VALUES (?, ?, ?, ?)'),
      listRevocations: db.prepare('SELECT * FROM revocations'),
      // The code column held the request-only code (grindable); it stays for old data directories.
      addEnrolment: db.prepare("INSERT INTO enrolments VALUES (?, ?, '', ?, ?, NULL, NULL)"),
      getEnrolment: db.prepare('SELECT e.*, n.nonce_record FROM enrolments e LEFT JOIN enrolment_nonces n USING (request_id) WHERE request_id = ?'),
      pending: db.prepare(
        'SELECT e.*, n.nonce_record FROM enrolments e LEFT JOIN enrolment_nonces n USING (request_id) WHERE device_certificate IS NULL ORDER BY submitted_ms',
      ),
      // One nonce per request: a second one would give a relay a second try at a matching code.
      setEnrolmentNonce: db.prepare('INSERT OR IGNORE INTO enrolment_nonces VALUES (?, ?)'),
      completeEnrolment: db.prepare('UPDATE enrolments SET user_id = ?, device_certificate = ? WHERE request_id = ?'),
      putSigned: db.prepare(
        `INSERT INTO signed_prekeys VALUES (?, ?, ?, ?) ON CONFLICT (user_id, device_id) DO UPDATE SET
         signed_prekey = coalesce(excluded.signed_prekey, signed_prekey),
         kyber_last_resort = coalesce(excluded.kyber_last_resort, kyber_last_resort)`,
      ),
      putOneTime: db.prepare('INSERT OR REPLACE INTO one_time_prekeys VALUES (?, ?, ?, ?, ?)'),
      getSigned: db.prepare('SELECT * FROM signed_prekeys WHERE user_id = ? AND device_id = ?'),
      takeOneTime: db.prepare(
        `DELETE FROM one_time_prekeys WHERE rowid = (SELECT rowid FROM one_time_prekeys
         WHERE user_id = ? AND device_id = ? AND kyber = ? ORDER BY key_id LIMIT 1) RETURNING key_id, record`,
      ),
      countOneTime: db.prepare(
        'SELECT kyber, count(*) AS n FROM one_time_prekeys WHERE user_id = ? AND device_id = ? GROUP BY kyber',
      ),
      markSeen: db.prepare('INSERT OR IGNORE INTO dedupe VALUES (?, ?, ?)'),
      unsee: db.prepare('DELETE FROM dedupe WHERE sent_ms = ? AND id = ?'),
      seenBefore: db.prepare('SELECT 1 FROM seen WHERE id = ?'),
      anyLegacySeen: db.prepare('SELECT 1 FROM seen LIMIT 1'),
      enqueue: db.prepare(
        'INSERT INTO queue (user_id, device_id, item_id, kind, channel_id, payload, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      readQueue: db.prepare(
        `SELECT seq, item_id, kind, channel_id, payload, expires_ms FROM queue
         WHERE user_id = ? AND device_id = ? AND seq > ? AND expires_ms > ? ORDER BY seq LIMIT ?`,
      ),
      countQueue: db.prepare('SELECT count(*) AS n FROM queue WHERE user_id = ? AND device_id = ?'),
      ack: db.prepare('DELETE FROM queue WHERE seq = ? AND user_id = ? AND device_id = ?'),
      dropChannel: db.prepare(
        `DELETE FROM queue WHERE channel_id = ? AND kind IN ('envelope', 'channel-change') RETURNING user_id, device_id`,
      ),
      expire: db.prepare('DELETE FROM queue WHERE expires_ms <= ? RETURNING user_id, device_id'),
      expireSeen: db.prepare('DELETE FROM seen WHERE until_ms <= ?'),
      expireDedupe: db.prepare('DELETE FROM dedupe WHERE until_ms <= ?'),
      getChanges: db.prepare('SELECT change FROM channel_changes WHERE channel_id = ? ORDER BY n'),
      appendChange: db.prepare(
        `INSERT INTO channel_changes VALUES (@id, (SELECT coalesce(max(n), 0) + 1 FROM channel_changes WHERE channel_id = @id), @change)`,
      ),
      dropChanges: db.prepare('DELETE FROM channel_changes WHERE channel_id = ?'),
      tombstone: db.prepare('INSERT OR IGNORE INTO wiped_channels VALUES (?, ?)'),
      wipedIds: db.prepare('SELECT channel_id FROM wiped_channels'),
      channelIds: db.prepare('SELECT DISTINCT channel_id FROM channel_changes'),
      appendAudit: db.prepare('INSERT INTO audit (at_ms, event, actor, subject, detail) VALUES (?, ?, ?, ?, ?)'),
      readAudit: db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?'),
    };
    this.legacySeen = this.st.anyLegacySeen.get() !== undefined;
  }

  putMember(m: MemberRecord): void {
    this.st.putMember.run({ ...m, roles: m.roles.join(','), serial: m.serial.toString() });
  }

  getMember(userId: string): MemberRecord | undefined {
    const r = this.st.getMember.get(userId) as Record<string, unknown> | undefined;
    return r && memberOf(r);
  }

  listMembers(): MemberRecord[] {
    return (this.st.listMembers.all() as Record<string, unknown>[]).map(memberOf);
  }

  putDevice(d: DeviceRecord): void {
    this.st.putDevice.run({ ...d, serial: d.serial.toString() });
  }

  getDevice(userId: string, deviceId: number): DeviceRecord | undefined {
    const r = this.st.getDevice.get(userId, deviceId) as Record<string, unknown> | undefined;
    return r && deviceOf(r);
  }

  listDevices(userId?: string): DeviceRecord[] {
    const rows = userId === undefined ? this.st.listDevices.all() : this.st.listDevicesOf.all(userId);
    return (rows as Record<string, unknown>[]).map(deviceOf);
  }

  putRevocation(r: RevocationRecord): void {
    this.st.putRevocation.run(r.serial.toString(), r.userId, r.deviceId, r.revocation);
  }

  listRevocations(): RevocationRecord[] {
    return (this.st.listRevocations.all() as Record<string, unknown>[]).map((r) => ({
      serial: BigInt(r.serial as string),
      userId: r.user_id as string,
      deviceId: r.device_id as number,
      revocation: u8(r.revocation as Buffer),
    }));
  }

  addEnrolment(e: EnrolmentRecord): void {
    this.st.addEnrolment.run(e.requestId, e.request, e.displayName, e.submittedMs);
  }

  setEnrolmentNonce(requestId: string, nonceRecord: Uint8Array): boolean {
    return this.st.setEnrolmentNonce.run(requestId, nonceRecord).changes === 1;
  }

  getEnrolment(requestId: string): EnrolmentRecord | undefined {
    const r = this.st.getEnrolment.get(requestId) as Record<string, unknown> | undefined;
    return r && enrolmentOf(r);
  }

  listPendingEnrolments(): EnrolmentRecord[] {
    return (this.st.pending.all() as Record<string, unknown>[]).map(enrolmentOf);
  }

  completeEnrolment(requestId: string, userId: string, deviceCertificate: Uint8Array): void {
    this.st.completeEnrolment.run(userId, deviceCertificate, requestId);
  }

  putPrekeys(d: DeviceAddress, up: PrekeyUpload): void {
    this.db.transaction(() => {
      if (up.signedPrekey || up.kyberLastResort) {
        this.st.putSigned.run(d.userId, d.deviceId, up.signedPrekey ?? null, up.kyberLastResort ?? null);
      }
      for (const k of up.oneTime) this.st.putOneTime.run(d.userId, d.deviceId, 0, k.id, k.record);
      for (const k of up.oneTimeKyber) this.st.putOneTime.run(d.userId, d.deviceId, 1, k.id, k.record);
    })();
  }

  takeBundle(d: DeviceAddress): TakenBundle | undefined {
    return this.db.transaction((): TakenBundle | undefined => {
      const s = this.st.getSigned.get(d.userId, d.deviceId) as
        | { signed_prekey: Buffer | null; kyber_last_resort: Buffer | null }
        | undefined;
      if (!s?.signed_prekey || !s.kyber_last_resort) return undefined;
      const ot = this.st.takeOneTime.get(d.userId, d.deviceId, 0) as { key_id: number; record: Buffer } | undefined;
      const kt = this.st.takeOneTime.get(d.userId, d.deviceId, 1) as { key_id: number; record: Buffer } | undefined;
      return {
        signedPrekey: u8(s.signed_prekey),
        ...(ot ? { oneTime: { id: ot.key_id, record: u8(ot.record) } } : {}),
        kyber: kt
          ? { id: kt.key_id, record: u8(kt.record), lastResort: false }
          : { id: 0, record: u8(s.kyber_last_resort), lastResort: true },
      };
    })();
  }

  countPrekeys(d: DeviceAddress): { oneTime: number; oneTimeKyber: number } {
    const rows = this.st.countOneTime.all(d.userId, d.deviceId) as { kyber: number; n: number }[];
    return {
      oneTime: rows.find((r) => r.kyber === 0)?.n ?? 0,
      oneTimeKyber: rows.find((r) => r.kyber === 1)?.n ?? 0,
    };
  }

  async enqueue(to: DeviceAddress[], item: QueueItem, maxDepth: number, dedupeUntilMs?: number): Promise<EnqueueResult> {
    const { value, durable } = await this.inBatch(() => {
      const result: EnqueueResult = { duplicate: false, placed: [], full: [] };
      const sentMs = Number.isSafeInteger(item.sentAtMs) ? item.sentAtMs! : 0;
      if (dedupeUntilMs !== undefined && (this.st.markSeen.run(sentMs, item.id, dedupeUntilMs).changes === 0 || (this.legacySeen && this.st.seenBefore.get(item.id)))) {
        result.duplicate = true;
        return result;
      }
      for (const d of to) {
        if (this.queueDepth(d) >= maxDepth) {
          result.full.push(d);
          continue;
        }
        const r = this.st.enqueue.run(d.userId, d.deviceId, item.id, item.kind, item.channelId, item.payload, item.expiresMs);
        if (r.changes === 1) {
          result.placed.push({ to: d, item: { ...item, seq: Number(r.lastInsertRowid) } });
          this.depth.set(key(d), this.queueDepth(d) + 1);
        }
      }
      // A retry must still reach the devices whose queue was full, so the id is not remembered.
      if (dedupeUntilMs !== undefined && result.full.length > 0) this.st.unsee.run(sentMs, item.id);
      return result;
    });
    return { ...value, durable };
  }

  readQueue(d: DeviceAddress, afterSeq: number, limit: number, nowMs: number): QueuedItem[] {
    return (this.st.readQueue.all(d.userId, d.deviceId, afterSeq, nowMs, limit) as QueueRow[]).map((r) => ({
      seq: r.seq,
      id: u8(r.item_id),
      kind: r.kind as QueueItemKind,
      channelId: u8(r.channel_id),
      payload: u8(r.payload),
      expiresMs: r.expires_ms,
    }));
  }

  queueDepth(d: DeviceAddress): number {
    const k = key(d);
    let n = this.depth.get(k);
    if (n === undefined) {
      n = (this.st.countQueue.get(d.userId, d.deviceId) as { n: number }).n;
      this.depth.set(k, n);
    }
    return n;
  }

  /** Resolves at commit: a deletion lost before its sync only means the item is delivered again. */
  async ack(d: DeviceAddress, seqs: number[]): Promise<number> {
    const { value } = await this.inBatch(() => {
      let n = 0;
      for (const seq of seqs) n += this.st.ack.run(seq, d.userId, d.deviceId).changes;
      if (n > 0) this.depth.set(key(d), Math.max(0, this.queueDepth(d) - n));
      return n;
    });
    return value;
  }

  /**
   * Group commit: the queue writes of one event-loop turn share one transaction (one WAL commit);
   * callers learn the outcome after the commit, with a promise of its durability (WalSync). The
   * writes run without savepoints (a savepoint and its release cost more than the write itself);
   * should one of them throw, the whole transaction is rolled back and the turn is replayed with
   * one savepoint per write, so one failure does not undo the others.
   */
  private inBatch<T>(op: () => T): Promise<Committed<T>> {
    return new Promise<Committed<T>>((resolve, reject) => {
      this.batch.push({ op, resolve: resolve as (v: Committed<unknown>) => void, reject });
      if (this.batch.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const ops = this.batch;
    this.batch = [];
    let values: unknown[] | undefined;
    try {
      values = this.together(ops);
    } catch {
      // Nothing of the turn is on disk; the depth cache saw writes that were rolled back.
      this.depth.clear();
    }
    if (values) {
      const durable = this.durable();
      ops.forEach((o, i) => o.resolve({ value: values[i], durable }));
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const o of ops) {
          try {
            outcomes.push({ ok: true, value: this.savepoint(o.op) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed: nothing of the batch is on disk, and the cached depths may lie.
      this.depth.clear();
      for (const o of ops) o.reject(error);
      return;
    }
    const durable = this.durable();
    ops.forEach((o, i) => {
      const r = outcomes[i]!;
      if (r.ok) o.resolve({ value: r.value, durable });
      else o.reject(r.error);
    });
  }

  /** Settles once what was committed so far is on stable storage (at once in memory). */
  private durable(): Promise<void> {
    if (!this.walSync) return RESOLVED;
    const p = this.walSync.barrier();
    // Awaited by whoever needs it (the sender's answer); nobody else must see it as unhandled.
    p.catch(() => undefined);
    return p;
  }

  /** Resolves once every write made so far is on stable storage (for writes outside the group commit). */
  sync(): Promise<void> {
    return this.walSync?.barrier() ?? Promise.resolve();
  }

  wipeChannel(channelId: Uint8Array): number {
    const rows = this.db.transaction(() => {
      this.st.dropChanges.run(channelId);
      this.st.tombstone.run(channelId, Date.now());
      return this.st.dropChannel.all(channelId) as { user_id: string; device_id: number }[];
    })();
    this.forgetDepths(rows);
    return rows.length;
  }

  expire(nowMs: number): number {
    const rows = this.db.transaction(() => {
      this.st.expireSeen.run(nowMs);
      this.st.expireDedupe.run(nowMs);
      this.legacySeen = this.st.anyLegacySeen.get() !== undefined;
      return this.st.expire.all(nowMs) as { user_id: string; device_id: number }[];
    })();
    this.forgetDepths(rows);
    return rows.length;
  }

  getChannel(channelId: Uint8Array): ChannelRecord | undefined {
    const rows = this.st.getChanges.all(channelId) as { change: Buffer }[];
    return rows.length === 0 ? undefined : { channelId, changes: rows.map((r) => u8(r.change)) };
  }

  appendChannelChange(channelId: Uint8Array, change: Uint8Array): void {
    this.st.appendChange.run({ id: channelId, change });
  }

  listChannelIds(): Uint8Array[] {
    return (this.st.channelIds.all() as { channel_id: Buffer }[]).map((r) => u8(r.channel_id));
  }

  listWipedChannelIds(): Uint8Array[] {
    return (this.st.wipedIds.all() as { channel_id: Buffer }[]).map((r) => u8(r.channel_id));
  }

  appendAudit(e: Omit<AuditRecord, 'seq'>): void {
    this.st.appendAudit.run(e.atMs, e.event, e.actor, e.subject, e.detail);
  }

  readAudit(afterSeq: number, limit: number): AuditRecord[] {
    return (this.st.readAudit.all(afterSeq, limit) as Record<string, unknown>[]).map((r) => ({
      seq: r.seq as number,
      atMs: r.at_ms as number,
      event: r.event as string,
      actor: r.actor as string,
      subject: r.subject as string,
      detail: r.detail as string,
    }));
  }

  async close(): Promise<void> {
    if (this.batch.length > 0) this.flush();
    await this.sync().catch(() => undefined);
    this.walSync?.close();
    await this.checkpointer?.stop();
    if (this.db.open) {
      if (this.checkpointer) this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }

  private forgetDepths(rows: { user_id: string; device_id: number }[]): void {
    for (const r of rows) this.depth.delete(key({ userId: r.user_id, deviceId: r.device_id }));
  }
}

function memberOf(r: Record<string, unknown>): MemberRecord {
  return {
    userId: r.user_id as string,
    displayName: r.display_name as string,
    clearance: r.clearance as number,
    roles: (r.roles as string).split(',').filter(Boolean),
    serial: BigInt(r.serial as string),
    certificate: u8(r.certificate as Buffer),
  };
}

function deviceOf(r: Record<string, unknown>): DeviceRecord {
  return {
    userId: r.user_id as string,
    deviceId: r.device_id as number,
    identityKey: u8(r.identity_key as Buffer),
    serial: BigInt(r.serial as string),
    notAfterMs: r.not_after_ms as number,
    certificate: u8(r.certificate as Buffer),
  };
}

function enrolmentOf(r: Record<string, unknown>): EnrolmentRecord {
  return {
    requestId: r.request_id as string,
    request: u8(r.request as Buffer),
    displayName: r.display_name as string,
    submittedMs: r.submitted_ms as number,
    ...(r.user_id ? { userId: r.user_id as string } : {}),
    ...(r.device_certificate ? { deviceCertificate: u8(r.device_certificate as Buffer) } : {}),
    ...(r.nonce_record ? { nonceRecord: u8(r.nonce_record as Buffer) } : {}),
  };
}
