/** In-memory implementations of the crypto stores, for tests and the benchmark. */
import {
  IdentityChange,
  type Direction,
  type IdentityKeyPair,
  type KyberPreKeyRecord,
  type PreKeyRecord,
  type PrivateKey,
  type ProtocolAddress,
  type PublicKey,
  type SenderKeyRecord,
  type SessionRecord,
  type SignedPreKeyRecord,
  type Uuid,
  SenderKeyStore,
  SessionStore,
} from '@signalapp/libsignal-client';
import { KyberPrekeyReuse } from '../errors.ts';
import {
  ValiseIdentityKeyStore,
  ValiseKyberPreKeyStore,
  ValisePreKeyStore,
  ValiseSignedPreKeyStore,
  type CertificateStore,
  type PrekeyState,
  type PrekeyStateStore,
  type ProtocolStores,
} from '../stores.ts';

export class MemorySessionStore extends SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  async saveSession(a: ProtocolAddress, r: SessionRecord): Promise<void> {
    this.sessions.set(a.toString(), r);
  }
  async getSession(a: ProtocolAddress): Promise<SessionRecord | null> {
    return this.sessions.get(a.toString()) ?? null;
  }
  async getExistingSessions(as: ProtocolAddress[]): Promise<SessionRecord[]> {
    return as.map((a) => {
      const s = this.sessions.get(a.toString());
      if (!s) throw new Error(`no session for ${a.toString()}`);
      return s;
    });
  }
}

export class MemoryIdentityKeyStore extends ValiseIdentityKeyStore {
  private readonly keys = new Map<string, PublicKey>();
  constructor(private readonly local: IdentityKeyPair, private readonly registrationId: number) {
    super();
  }
  async getIdentityKey(): Promise<PrivateKey> {
    return this.local.privateKey;
  }
  async getLocalRegistrationId(): Promise<number> {
    return this.registrationId;
  }
  async saveIdentity(a: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    const old = this.keys.get(a.toString());
    this.keys.set(a.toString(), key);
    return old && !old.equals(key) ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(a: ProtocolAddress, key: PublicKey, _d: Direction): Promise<boolean> {
    const old = this.keys.get(a.toString());
    return !old || old.equals(key);
  }
  async getIdentity(a: ProtocolAddress): Promise<PublicKey | null> {
    return this.keys.get(a.toString()) ?? null;
  }
  async approveIdentity(a: ProtocolAddress, key: PublicKey): Promise<void> {
    this.keys.set(a.toString(), key);
  }
}

export class MemoryPreKeyStore extends ValisePreKeyStore {
  private readonly keys = new Map<number, PreKeyRecord>();
  async savePreKey(id: number, r: PreKeyRecord): Promise<void> {
    this.keys.set(id, r);
  }
  async getPreKey(id: number): Promise<PreKeyRecord> {
    const r = this.keys.get(id);
    if (!r) throw new Error(`no prekey ${id}`);
    return r;
  }
  async removePreKey(id: number): Promise<void> {
    this.keys.delete(id);
  }
  async countPreKeys(): Promise<number> {
    return this.keys.size;
  }
}

export class MemorySignedPreKeyStore extends ValiseSignedPreKeyStore {
  private readonly keys = new Map<number, SignedPreKeyRecord>();
  async saveSignedPreKey(id: number, r: SignedPreKeyRecord): Promise<void> {
    this.keys.set(id, r);
  }
  async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    const r = this.keys.get(id);
    if (!r) throw new Error(`no signed prekey ${id}`);
    return r;
  }
  async removeSignedPreKey(id: number): Promise<void> {
    this.keys.delete(id);
  }
}

export class MemoryKyberPreKeyStore extends ValiseKyberPreKeyStore {
  private readonly oneTime = new Map<number, KyberPreKeyRecord>();
  private readonly lastResort = new Map<number, KyberPreKeyRecord>();
  private readonly used = new Set<string>();
  async saveKyberPreKey(id: number, r: KyberPreKeyRecord): Promise<void> {
    this.oneTime.set(id, r);
  }
  async saveLastResortKyberPreKey(id: number, r: KyberPreKeyRecord): Promise<void> {
    this.lastResort.set(id, r);
  }
  async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    const r = this.oneTime.get(id) ?? this.lastResort.get(id);
    if (!r) throw new Error(`no kyber prekey ${id}`);
    return r;
  }
  async markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    if (this.oneTime.delete(id)) return;
    const key = `${id}/${signedPreKeyId}/${Buffer.from(baseKey.serialize()).toString('hex')}`;
    if (this.used.has(key)) throw new KyberPrekeyReuse();
    this.used.add(key);
  }
  async countOneTimeKyberPreKeys(): Promise<number> {
    return this.oneTime.size;
  }
  async removeKyberPreKey(id: number): Promise<void> {
    this.oneTime.delete(id);
    this.lastResort.delete(id);
  }
}

export class MemorySenderKeyStore extends SenderKeyStore {
  private readonly keys = new Map<string, SenderKeyRecord>();
  async saveSenderKey(a: ProtocolAddress, d: Uuid, r: SenderKeyRecord): Promise<void> {
    this.keys.set(`${a.toString()}/${String(d)}`, r);
  }
  async getSenderKey(a: ProtocolAddress, d: Uuid): Promise<SenderKeyRecord | null> {
    return this.keys.get(`${a.toString()}/${String(d)}`) ?? null;
  }
  async removeSenderKey(a: ProtocolAddress, d: Uuid): Promise<void> {
    this.keys.delete(`${a.toString()}/${String(d)}`);
  }
}

export class MemoryPrekeyStateStore implements PrekeyStateStore {
  private state: PrekeyState | null = null;
  async loadPrekeyState(): Promise<PrekeyState | null> {
    return this.state && { ...this.state };
  }
  async savePrekeyState(s: PrekeyState): Promise<void> {
    this.state = { ...s };
  }
}

export class MemoryCertificateStore implements CertificateStore {
  private readonly members = new Map<string, Uint8Array>();
  private readonly devices = new Map<string, Uint8Array>();
  private readonly revocations: Uint8Array[] = [];
  async loadCertificates() {
    return { members: [...this.members.values()], devices: [...this.devices.values()], revocations: [...this.revocations] };
  }
  async saveMemberCertificate(userId: string, encoded: Uint8Array): Promise<void> {
    this.members.set(userId, encoded);
  }
  async saveDeviceCertificate(userId: string, deviceId: number, encoded: Uint8Array): Promise<void> {
    this.devices.set(`${userId}.${deviceId}`, encoded);
  }
  async saveRevocation(encoded: Uint8Array): Promise<void> {
    this.revocations.push(encoded);
  }
}

export function memoryProtocolStores(identity: IdentityKeyPair, registrationId: number): ProtocolStores {
  return {
    session: new MemorySessionStore(),
    identity: new MemoryIdentityKeyStore(identity, registrationId),
    preKey: new MemoryPreKeyStore(),
    signedPreKey: new MemorySignedPreKeyStore(),
    kyberPreKey: new MemoryKyberPreKeyStore(),
    senderKey: new MemorySenderKeyStore(),
    prekeyState: new MemoryPrekeyStateStore(),
  };
}
