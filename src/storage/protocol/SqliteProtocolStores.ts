/**
 * libsignal's stores and crypto's extra contracts (src/crypto/stores.ts) on the encrypted database.
 * Every read and write goes through a StoreTarget, so the same classes serve direct use and a
 * unit of work whose writes commit in one transaction with the message rows.
 */
import {
  IdentityChange,
  KyberPreKeyRecord,
  PreKeyRecord,
  PrivateKey,
  PublicKey,
  SenderKeyRecord,
  SenderKeyStore,
  SessionRecord,
  SessionStore,
  SignedPreKeyRecord,
  type Direction,
  type ProtocolAddress,
  type Uuid,
} from '@signalapp/libsignal-client';
import { KyberPrekeyReuse } from '../../crypto/index.ts';
import {
  ValiseIdentityKeyStore,
  ValiseKyberPreKeyStore,
  ValisePreKeyStore,
  ValiseSignedPreKeyStore,
  type PrekeyState,
  type PrekeyStateStore,
  type ProtocolStores,
} from '../../crypto/index.ts';
import type { Db } from '../Database.ts';
import { RecordNotFound } from '../errors.ts';
import { RecordTable, type RecordRows } from './RecordTable.ts';
import type { StoreTarget } from './StoreTarget.ts';

type Bytes = Uint8Array<ArrayBuffer>;

function bytes(b: Buffer): Bytes {
  return new Uint8Array(b);
}

/** A Kyber pre-key row: the record and whether it is the last-resort key (kept after use). */
interface KyberRow {
  data: Bytes;
  lastResort: boolean;
}

/** The prepared statements behind the stores; one set per database connection. */
export class ProtocolTables {
  readonly s;
  /** The three pre-key tables, each read and written through a RecordTable. */
  readonly preKeys: RecordRows<Bytes>;
  readonly signedPreKeys: RecordRows<Bytes>;
  readonly kyberPreKeys: RecordRows<KyberRow>;

  constructor(db: Db) {
    this.s = {
      getSession: db.prepare<[string, number], { record: Buffer }>('SELECT record FROM sessions WHERE name = ? AND device_id = ?'),
      putSession: db.prepare('INSERT OR REPLACE INTO sessions (name, device_id, record) VALUES (?, ?, ?)'),
      getLocal: db.prepare<[], { private_key: Buffer; registration_id: number }>('SELECT * FROM local_identity WHERE id = 1'),
      putLocal: db.prepare('INSERT OR REPLACE INTO local_identity (id, private_key, registration_id) VALUES (1, ?, ?)'),
      getIdentity: db.prepare<[string, number], { public_key: Buffer }>('SELECT public_key FROM identities WHERE name = ? AND device_id = ?'),
      putIdentity: db.prepare(
        `INSERT INTO identities (name, device_id, public_key, first_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, device_id) DO UPDATE SET public_key = excluded.public_key, first_seen = excluded.first_seen`,
      ),
      getPreKey: db.prepare<[number], { record: Buffer }>('SELECT record FROM prekeys WHERE id = ?'),
      putPreKey: db.prepare('INSERT OR REPLACE INTO prekeys (id, record) VALUES (?, ?)'),
      delPreKey: db.prepare('DELETE FROM prekeys WHERE id = ?'),
      countPreKeys: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM prekeys'),
      getSigned: db.prepare<[number], { record: Buffer }>('SELECT record FROM signed_prekeys WHERE id = ?'),
      putSigned: db.prepare('INSERT OR REPLACE INTO signed_prekeys (id, record) VALUES (?, ?)'),
      delSigned: db.prepare('DELETE FROM signed_prekeys WHERE id = ?'),
      getKyber: db.prepare<[number], { record: Buffer; last_resort: number }>('SELECT record, last_resort FROM kyber_prekeys WHERE id = ?'),
      putKyber: db.prepare('INSERT OR REPLACE INTO kyber_prekeys (id, record, last_resort) VALUES (?, ?, ?)'),
      delKyber: db.prepare('DELETE FROM kyber_prekeys WHERE id = ?'),
      countKyber: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM kyber_prekeys WHERE last_resort = 0'),
      getUsed: db.prepare<[number, number, Buffer], { kyber_id: number }>(
        'SELECT kyber_id FROM kyber_used WHERE kyber_id = ? AND signed_prekey_id = ? AND base_key = ?',
      ),
      putUsed: db.prepare('INSERT INTO kyber_used (kyber_id, signed_prekey_id, base_key) VALUES (?, ?, ?)'),
      getSender: db.prepare<[string, number, string], { record: Buffer }>(
        'SELECT record FROM sender_keys WHERE name = ? AND device_id = ? AND distribution_id = ?',
      ),
      putSender: db.prepare('INSERT OR REPLACE INTO sender_keys (name, device_id, distribution_id, record) VALUES (?, ?, ?, ?)'),
      bindDistribution: db.prepare('INSERT OR REPLACE INTO channel_distributions (distribution_id, channel_id) VALUES (?, ?)'),
      getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      putSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
    const s = this.s;
    /** A table of (id, record) rows. */
    const recordRows = (prefix: string, label: string, sql: { get: typeof s.getPreKey; put: typeof s.putPreKey; del: typeof s.delPreKey }): RecordRows<Bytes> => ({
      prefix,
      label,
      get: (id) => {
        const r = sql.get.get(id);
        return r ? bytes(r.record) : null;
      },
      put: (id, data) => sql.put.run(id, data),
      del: (id) => sql.del.run(id),
    });
    this.preKeys = recordRows('prekey', 'prekey', { get: s.getPreKey, put: s.putPreKey, del: s.delPreKey });
    this.signedPreKeys = recordRows('signed', 'signed prekey', { get: s.getSigned, put: s.putSigned, del: s.delSigned });
    this.kyberPreKeys = {
      prefix: 'kyber',
      label: 'kyber prekey',
      get: (id) => {
        const r = s.getKyber.get(id);
        return r ? { data: bytes(r.record), lastResort: r.last_resort === 1 } : null;
      },
      put: (id, v) => s.putKyber.run(id, v.data, v.lastResort ? 1 : 0),
      del: (id) => s.delKyber.run(id),
    };
  }
}

const addr = (a: ProtocolAddress): [string, number] => [a.name(), a.deviceId()];

export class SqliteSessionStore extends SessionStore {
  constructor(
    private readonly t: ProtocolTables,
    private readonly target: StoreTarget,
  ) {
    super();
  }

  private load(a: ProtocolAddress): Bytes | null {
    return this.target.read(`session:${a.toString()}`, () => {
      const r = this.t.s.getSession.get(...addr(a));
      return r ? bytes(r.record) : null;
    });
  }

  async saveSession(a: ProtocolAddress, record: SessionRecord): Promise<void> {
    const data = record.serialize();
    this.target.write(`session:${a.toString()}`, data, () => this.t.s.putSession.run(...addr(a), data));
  }

  async getSession(a: ProtocolAddress): Promise<SessionRecord | null> {
    const data = this.load(a);
    return data ? SessionRecord.deserialize(data) : null;
  }

  async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return addresses.map((a) => {
      const data = this.load(a);
      if (!data) throw new RecordNotFound(`session for ${a.toString()}`);
      return SessionRecord.deserialize(data);
    });
  }
}

/**
 * Extra trust hook: the engine passes a check against the organisation's device certificates
 * (DESIGN.md §4). A key is trusted only if it is unchanged (or first seen) AND the hook agrees.
 */
export type TrustHook = (address: ProtocolAddress, key: PublicKey, direction: Direction) => boolean | Promise<boolean>;

export class SqliteIdentityKeyStore extends ValiseIdentityKeyStore {
  constructor(
    private readonly t: ProtocolTables,
    private readonly target: StoreTarget,
    private readonly trustHook: TrustHook = () => true,
  ) {
    super();
  }

  /** Stores this device's identity; done once at enrolment. */
  setLocalIdentity(privateKey: PrivateKey, registrationId: number): void {
    const data = privateKey.serialize();
    this.target.write('local', { data, registrationId }, () => this.t.s.putLocal.run(data, registrationId));
  }

  private local(): { data: Bytes; registrationId: number } {
    const v = this.target.read('local', () => {
      const r = this.t.s.getLocal.get();
      return r ? { data: bytes(r.private_key), registrationId: r.registration_id } : null;
    });
    if (!v) throw new RecordNotFound('this device has no identity key yet');
    return v;
  }

  async getIdentityKey(): Promise<PrivateKey> {
    return PrivateKey.deserialize(this.local().data);
  }

  async getLocalRegistrationId(): Promise<number> {
    return this.local().registrationId;
  }

  private stored(a: ProtocolAddress): Bytes | null {
    return this.target.read(`identity:${a.toString()}`, () => {
      const r = this.t.s.getIdentity.get(...addr(a));
      return r ? bytes(r.public_key) : null;
    });
  }

  private put(a: ProtocolAddress, key: PublicKey): void {
    const data = key.serialize();
    const now = Date.now();
    this.target.write(`identity:${a.toString()}`, data, () => this.t.s.putIdentity.run(...addr(a), data, now));
  }

  async saveIdentity(a: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    const old = this.stored(a);
    if (old && PublicKey.deserialize(old).equals(key)) return IdentityChange.NewOrUnchanged;
    this.put(a, key);
    return old ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged;
  }

  async isTrustedIdentity(a: ProtocolAddress, key: PublicKey, direction: Direction): Promise<boolean> {
    const old = this.stored(a);
    if (old && !PublicKey.deserialize(old).equals(key)) return false;
    return await this.trustHook(a, key, direction);
  }

  async getIdentity(a: ProtocolAddress): Promise<PublicKey | null> {
    const old = this.stored(a);
    return old ? PublicKey.deserialize(old) : null;
  }

  async approveIdentity(a: ProtocolAddress, key: PublicKey): Promise<void> {
    this.put(a, key);
  }
}

export class SqlitePreKeyStore extends ValisePreKeyStore {
  private readonly table: RecordTable<Bytes>;

  constructor(
    private readonly t: ProtocolTables,
    target: StoreTarget,
  ) {
    super();
    this.table = new RecordTable(t.preKeys, target);
  }

  async savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.table.save(id, record.serialize());
  }

  async getPreKey(id: number): Promise<PreKeyRecord> {
    return PreKeyRecord.deserialize(this.table.require(id));
  }

  async removePreKey(id: number): Promise<void> {
    this.table.remove(id);
  }

  async countPreKeys(): Promise<number> {
    return this.t.s.countPreKeys.get()!.n;
  }
}

export class SqliteSignedPreKeyStore extends ValiseSignedPreKeyStore {
  private readonly table: RecordTable<Bytes>;

  constructor(t: ProtocolTables, target: StoreTarget) {
    super();
    this.table = new RecordTable(t.signedPreKeys, target);
  }

  async saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.table.save(id, record.serialize());
  }

  async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    return SignedPreKeyRecord.deserialize(this.table.require(id));
  }

  async removeSignedPreKey(id: number): Promise<void> {
    this.table.remove(id);
  }
}

export class SqliteKyberPreKeyStore extends ValiseKyberPreKeyStore {
  private readonly table: RecordTable<KyberRow>;

  constructor(
    private readonly t: ProtocolTables,
    private readonly target: StoreTarget,
  ) {
    super();
    this.table = new RecordTable(t.kyberPreKeys, target);
  }

  async saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.table.save(id, { data: record.serialize(), lastResort: false });
  }

  async saveLastResortKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.table.save(id, { data: record.serialize(), lastResort: true });
  }

  async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    return KyberPreKeyRecord.deserialize(this.table.require(id).data);
  }

  async markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    const v = this.table.require(id);
    if (!v.lastResort) {
      this.table.remove(id);
      return;
    }
    const base = Buffer.from(baseKey.serialize());
    const key = `kyber-used:${id}:${signedPreKeyId}:${base.toString('hex')}`;
    const seen = this.target.read(key, () => this.t.s.getUsed.get(id, signedPreKeyId, base) !== undefined);
    if (seen) throw new KyberPrekeyReuse();
    this.target.write(key, true, () => this.t.s.putUsed.run(id, signedPreKeyId, base));
  }

  async countOneTimeKyberPreKeys(): Promise<number> {
    return this.t.s.countKyber.get()!.n;
  }

  async removeKyberPreKey(id: number): Promise<void> {
    this.table.remove(id);
  }
}

export class SqliteSenderKeyStore extends SenderKeyStore {
  constructor(
    private readonly t: ProtocolTables,
    private readonly target: StoreTarget,
  ) {
    super();
  }

  async saveSenderKey(sender: ProtocolAddress, distributionId: Uuid, record: SenderKeyRecord): Promise<void> {
    const data = record.serialize();
    const d = String(distributionId);
    this.target.write(`sender:${sender.toString()}:${d}`, data, () => this.t.s.putSender.run(...addr(sender), d, data));
  }

  async getSenderKey(sender: ProtocolAddress, distributionId: Uuid): Promise<SenderKeyRecord | null> {
    const d = String(distributionId);
    const data = this.target.read(`sender:${sender.toString()}:${d}`, () => {
      const r = this.t.s.getSender.get(...addr(sender), d);
      return r ? bytes(r.record) : null;
    });
    return data ? SenderKeyRecord.deserialize(data) : null;
  }

  /** The stored record as bytes (handed to a decrypting worker thread), or null. */
  getRecordBytes(sender: ProtocolAddress, distributionId: string): Uint8Array | null {
    return this.target.read(`sender:${sender.toString()}:${distributionId}`, () => {
      const r = this.t.s.getSender.get(...addr(sender), distributionId);
      return r ? bytes(r.record) : null;
    });
  }

  /** `saveSenderKey` for a record that a worker thread advanced and returned as bytes. */
  saveRecordBytes(sender: ProtocolAddress, distributionId: string, data: Uint8Array): void {
    this.target.write(`sender:${sender.toString()}:${distributionId}`, data, () => this.t.s.putSender.run(...addr(sender), distributionId, data));
  }

  /** Tells the store which channel a distribution belongs to, so wiping the channel removes its sender keys. */
  bindDistribution(distributionId: Uuid, channelId: string): void {
    const d = String(distributionId);
    this.target.write(`dist:${d}`, channelId, () => this.t.s.bindDistribution.run(d, channelId));
  }
}

export class SqlitePrekeyStateStore implements PrekeyStateStore {
  constructor(
    private readonly t: ProtocolTables,
    private readonly target: StoreTarget,
  ) {}

  async loadPrekeyState(): Promise<PrekeyState | null> {
    const json = this.target.read('prekey-state', () => this.t.s.getSetting.get('prekeyState')?.value ?? null);
    return json ? (JSON.parse(json) as PrekeyState) : null;
  }

  async savePrekeyState(state: PrekeyState): Promise<void> {
    const json = JSON.stringify(state);
    this.target.write('prekey-state', json, () => this.t.s.putSetting.run('prekeyState', json));
  }
}

export interface SqliteProtocolStores extends ProtocolStores {
  identity: SqliteIdentityKeyStore;
  senderKey: SqliteSenderKeyStore;
}

export function sqliteProtocolStores(t: ProtocolTables, target: StoreTarget, trustHook?: TrustHook): SqliteProtocolStores {
  return {
    session: new SqliteSessionStore(t, target),
    identity: new SqliteIdentityKeyStore(t, target, trustHook),
    preKey: new SqlitePreKeyStore(t, target),
    signedPreKey: new SqliteSignedPreKeyStore(t, target),
    kyberPreKey: new SqliteKyberPreKeyStore(t, target),
    senderKey: new SqliteSenderKeyStore(t, target),
    prekeyState: new SqlitePrekeyStateStore(t, target),
  };
}
