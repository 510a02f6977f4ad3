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
import { GroupCommit } from './GroupCommit.ts';
import { migrate } from './migrations/migrate.ts';
import { deviceOf, enrolmentOf, memberOf, u8 } from './rowReaders.ts';
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
  QueueRoom,
  RelayStore,
  RevocationRecord,
  TakenBundle,
} from './RelayStore.ts';


interface QueueRow {
  seq: number;
  item_id: Buffer;
  kind: string;
  channel_id: Buffer;
  payload: Buffer;
  expires_ms: number;
  received_ms: number;
}

const key = (d: DeviceAddress): string => `${d.userId}\u0000${d.deviceId}`;

export class SqliteRelayStore implements RelayStore {
  private readonly db: Database.Database;
  private readonly depth = new Map<string, number>();
  /** Items of one sender in one device's queue: device key + NUL + sender → count. */
  private readonly senderDepth = new Map<string, number>();
  private readonly checkpointer: Checkpointer | undefined;
  private readonly walSync: WalSync | undefined;
  private readonly commits: GroupCommit;
  private readonly st;

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
    migrate(this.db);
    const db = this.db;
    this.commits = new GroupCommit(db, this.walSync, () => this.forgetAllDepths());
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
      enqueue: db.prepare(
        'INSERT INTO queue (user_id, device_id, item_id, kind, channel_id, payload, expires_ms, sender, received_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      countFromSender: db.prepare('SELECT count(*) AS n FROM queue WHERE user_id = ? AND device_id = ? AND sender = ?'),
      readQueue: db.prepare(
        `SELECT seq, item_id, kind, channel_id, payload, expires_ms, received_ms FROM queue
         WHERE user_id = ? AND device_id = ? AND seq > ? AND expires_ms > ? ORDER BY seq LIMIT ?`,
      ),
      countQueue: db.prepare('SELECT count(*) AS n FROM queue WHERE user_id = ? AND device_id = ?'),
      ack: db.prepare('DELETE FROM queue WHERE seq = ? AND user_id = ? AND device_id = ? RETURNING sender'),
      dropChannel: db.prepare(
        `DELETE FROM queue WHERE channel_id = ? AND kind IN ('envelope', 'channel-change') RETURNING user_id, device_id, sender`,
      ),
      expire: db.prepare('DELETE FROM queue WHERE expires_ms <= ? RETURNING user_id, device_id, sender'),
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

  async enqueue(to: DeviceAddress[], item: QueueItem, room: QueueRoom, dedupeUntilMs?: number): Promise<EnqueueResult> {
    // Control items (wipes, revocations, channel changes) have room kept for them beyond the
    // envelopes' limit; an envelope also has to fit in its sender's share.
    const control = item.kind !== 'envelope';
    const sender = control ? '' : (item.sender ?? '');
    const limit = control ? room.maxDepth + room.controlReserve : room.maxDepth;
    const { value, durable } = await this.commits.run(() => {
      const result: EnqueueResult = { duplicate: false, placed: [], full: [] };
      const sentMs = Number.isSafeInteger(item.sentAtMs) ? item.sentAtMs! : 0;
      if (dedupeUntilMs !== undefined && this.st.markSeen.run(sentMs, item.id, dedupeUntilMs).changes === 0) {
        result.duplicate = true;
        return result;
      }
      for (const d of to) {
        if (this.queueDepth(d) >= limit || (sender && this.depthFrom(d, sender) >= room.perSender)) {
          result.full.push(d);
          continue;
        }
        const r = this.st.enqueue.run(d.userId, d.deviceId, item.id, item.kind, item.channelId, item.payload, item.expiresMs, sender, item.receivedMs ?? 0);
        if (r.changes === 1) {
          result.placed.push({ to: d, item: { ...item, seq: Number(r.lastInsertRowid) } });
          this.depth.set(key(d), this.queueDepth(d) + 1);
          if (sender) this.senderDepth.set(`${key(d)}\u0000${sender}`, this.depthFrom(d, sender) + 1);
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
      receivedMs: r.received_ms,
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
    const { value } = await this.commits.run(() => {
      let n = 0;
      for (const seq of seqs) {
        const r = this.st.ack.get(seq, d.userId, d.deviceId) as { sender: string } | undefined;
        if (!r) continue;
        n++;
        const sk = `${key(d)}\u0000${r.sender}`;
        const from = this.senderDepth.get(sk);
        if (from !== undefined) this.senderDepth.set(sk, Math.max(0, from - 1));
      }
      if (n > 0) this.depth.set(key(d), Math.max(0, this.queueDepth(d) - n));
      return n;
    });
    return value;
  }

  /** Resolves once every write made so far is on stable storage (for writes outside the group commit). */
  sync(): Promise<void> {
    return this.walSync?.barrier() ?? Promise.resolve();
  }

  wipeChannel(channelId: Uint8Array): number {
    const rows = this.db.transaction(() => {
      this.st.dropChanges.run(channelId);
      this.st.tombstone.run(channelId, Date.now());
      return this.st.dropChannel.all(channelId) as { user_id: string; device_id: number; sender: string }[];
    })();
    this.forgetDepths(rows);
    return rows.length;
  }

  expire(nowMs: number): number {
    const rows = this.db.transaction(() => {
      this.st.expireDedupe.run(nowMs);
      return this.st.expire.all(nowMs) as { user_id: string; device_id: number; sender: string }[];
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
    this.commits.flush();
    await this.sync().catch(() => undefined);
    this.walSync?.close();
    await this.checkpointer?.stop();
    if (this.db.open) {
      if (this.checkpointer) this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }

  /** Removed rows: the cached counts they belonged to are dropped (recounted when next needed). */
  private forgetDepths(rows: { user_id: string; device_id: number; sender: string }[]): void {
    for (const r of rows) {
      const k = key({ userId: r.user_id, deviceId: r.device_id });
      this.depth.delete(k);
      if (r.sender) this.senderDepth.delete(`${k}\u0000${r.sender}`);
    }
  }

  private forgetAllDepths(): void {
    this.depth.clear();
    this.senderDepth.clear();
  }

  /** How many items from `sender` wait in the device's queue. */
  private depthFrom(d: DeviceAddress, sender: string): number {
    const k = `${key(d)}\u0000${sender}`;
    let n = this.senderDepth.get(k);
    if (n === undefined) {
      n = (this.st.countFromSender.get(d.userId, d.deviceId, sender) as { n: number }).n;
      this.senderDepth.set(k, n);
    }
    return n;
  }
}
