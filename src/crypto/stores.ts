/**
 * The stores the crypto layer needs. libsignal's abstract stores, with the extra duties Valise
 * gives them, plus ours. `src/storage` implements them on SQLite; `./memory/` holds in-memory
 * versions for tests. Keep this file stable: other layers implement it.
 */
import {
  IdentityKeyStore,
  KyberPreKeyStore,
  PreKeyStore,
  SenderKeyStore,
  SessionStore,
  SignedPreKeyStore,
  type KyberPreKeyRecord,
  type ProtocolAddress,
  type PublicKey,
} from '@signalapp/libsignal-client';

export { SessionStore, SenderKeyStore };

/**
 * Identity keys. Contract beyond libsignal's:
 * - `isTrustedIdentity` is true only when no key is stored for the address or the stored key is
 *   the same; a changed key is untrusted in both directions until `approveIdentity`.
 * - `saveIdentity` is called by libsignal only after that check passed.
 */
export abstract class ValiseIdentityKeyStore extends IdentityKeyStore {
  /** Stores `key` for `address` unconditionally: the user (re-)verified it. */
  abstract approveIdentity(address: ProtocolAddress, key: PublicKey): Promise<void>;
}

/** One-time (classic) prekeys. `getPreKey` throws when the id is unknown or already used. */
export abstract class ValisePreKeyStore extends PreKeyStore {
  abstract countPreKeys(): Promise<number>;
}

/** Signed prekeys. The previous one is kept for a while after rotation, then removed. */
export abstract class ValiseSignedPreKeyStore extends SignedPreKeyStore {
  abstract removeSignedPreKey(id: number): Promise<void>;
}

/**
 * Kyber prekeys, one-time and last-resort. Contract of `markKyberPreKeyUsed`:
 * - a one-time key is deleted;
 * - a last-resort key stays, but the (kyber id, signed prekey id, base key) triple is remembered
 *   and a second use with the same triple throws `KyberPrekeyReuse` (a replayed session set-up).
 */
export abstract class ValiseKyberPreKeyStore extends KyberPreKeyStore {
  abstract saveLastResortKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void>;
  abstract countOneTimeKyberPreKeys(): Promise<number>;
  abstract removeKyberPreKey(id: number): Promise<void>;
}

/** Id counters and rotation times of this device's prekeys. */
export interface PrekeyState {
  nextPreKeyId: number;
  nextKyberPreKeyId: number;
  nextSignedPreKeyId: number;
  signedPreKeyId: number;
  signedPreKeyCreatedAtMs: number;
  /** The signed prekey replaced by the last rotation, removed at the next one (0: none). */
  previousSignedPreKeyId: number;
  lastResortKyberPreKeyId: number;
}

export interface PrekeyStateStore {
  loadPrekeyState(): Promise<PrekeyState | null>;
  savePrekeyState(state: PrekeyState): Promise<void>;
}

/** The encoded, org-signed certificates and revocations this device has seen (see OrgTrust). */
export interface CertificateStore {
  loadCertificates(): Promise<{ members: Uint8Array[]; devices: Uint8Array[]; revocations: Uint8Array[] }>;
  saveMemberCertificate(userId: string, encoded: Uint8Array): Promise<void>;
  saveDeviceCertificate(userId: string, deviceId: number, encoded: Uint8Array): Promise<void>;
  saveRevocation(encoded: Uint8Array): Promise<void>;
}

/** Everything a device's protocol engine persists. */
export interface ProtocolStores {
  session: SessionStore;
  identity: ValiseIdentityKeyStore;
  preKey: ValisePreKeyStore;
  signedPreKey: ValiseSignedPreKeyStore;
  kyberPreKey: ValiseKyberPreKeyStore;
  senderKey: SenderKeyStore;
  prekeyState: PrekeyStateStore;
}
