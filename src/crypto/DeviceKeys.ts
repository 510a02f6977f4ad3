/**
 * A device's identity and prekeys (DESIGN.md §5): the identity key pair and registration id, a
 * signed prekey (rotated), a Kyber last-resort prekey (PQXDH), and one-time EC and Kyber prekeys
 * topped up when the relay reports them running low. Only public halves leave the device.
 */
import {
  IdentityKeyPair,
  KEMKeyPair,
  KyberPreKeyRecord,
  PreKeyRecord,
  PrivateKey,
  SignedPreKeyRecord,
} from '@signalapp/libsignal-client';
import { randomInt } from 'node:crypto';
import { PublicKyberPrekeySchema, PublicOneTimePrekeySchema, PublicSignedPrekeySchema } from '../gen/valise/v1/prekeys_pb.ts';
import { encodeMessage } from './codec.ts';
import type { PrekeyState, ProtocolStores } from './stores.ts';

export interface DeviceIdentity {
  identityKeyPair: IdentityKeyPair;
  registrationId: number;
}

/** A new device's long-term identity: generated once, at enrolment. */
export function generateDeviceIdentity(): DeviceIdentity {
  return { identityKeyPair: IdentityKeyPair.generate(), registrationId: randomInt(1, 16381) };
}

/** The identity of an existing device, rebuilt from its stored private key (after a restart). */
export function deviceIdentityFrom(privateKey: PrivateKey, registrationId: number): DeviceIdentity {
  return { identityKeyPair: new IdentityKeyPair(privateKey.getPublicKey(), privateKey), registrationId };
}

export interface OneTimeUpload {
  id: number;
  /** Encoded PublicOneTimePrekey or PublicKyberPrekey. */
  record: Uint8Array;
}

/** What the device uploads to the relay (the shape of relay.proto's UploadPrekeys). */
export interface PrekeyUpload {
  /** Encoded PublicSignedPrekey, set when it changed. */
  signedPrekey?: Uint8Array;
  /** Encoded PublicKyberPrekey (last resort), set when it changed. */
  kyberLastResort?: Uint8Array;
  oneTime: OneTimeUpload[];
  oneTimeKyber: OneTimeUpload[];
}

export interface PrekeyPolicy {
  /** How many one-time keys of each kind to hold on the relay. */
  batch: number;
  /** Top up when the relay holds fewer than this. */
  threshold: number;
  /** Rotate the signed prekey (and the Kyber last-resort key) after this long. */
  signedPrekeyMaxAgeMs: number;
}

export const DEFAULT_PREKEY_POLICY: PrekeyPolicy = { batch: 100, threshold: 20, signedPrekeyMaxAgeMs: 7 * 86_400_000 };

/** Prekey ids are 24-bit, as in Signal; they wrap around and skip 0. */
const MAX_ID = 0xffffff;
const HALF_ID = (MAX_ID + 1) / 2;
const nextId = (id: number) => (id >= MAX_ID ? 1 : id + 1);

export class DeviceKeys {
  constructor(
    private readonly stores: ProtocolStores,
    private readonly identity: DeviceIdentity,
    private readonly policy: PrekeyPolicy = DEFAULT_PREKEY_POLICY,
  ) {}

  /** First run: a signed prekey, a Kyber last-resort key and a full batch of one-time keys. */
  async initialise(nowMs: number): Promise<PrekeyUpload> {
    const existing = await this.stores.prekeyState.loadPrekeyState();
    if (existing) {
      // Already set up (e.g. the relay lost our keys): send everything public again.
      const upload = await this.topUp({ oneTime: 0, oneTimeKyber: 0 }, nowMs, true);
      if (!upload.signedPrekey) await this.republish(existing, upload);
      return upload;
    }
    const state: PrekeyState = {
      nextPreKeyId: randomInt(1, HALF_ID),
      nextKyberPreKeyId: randomInt(1, HALF_ID),
      nextSignedPreKeyId: randomInt(1, HALF_ID),
      signedPreKeyId: 0,
      signedPreKeyCreatedAtMs: 0,
      previousSignedPreKeyId: 0,
      lastResortKyberPreKeyId: 0,
    };
    const upload: PrekeyUpload = { oneTime: [], oneTimeKyber: [] };
    await this.newSignedAndLastResort(state, nowMs, upload);
    await this.addOneTime(state, this.policy.batch, this.policy.batch, upload, nowMs);
    await this.stores.prekeyState.savePrekeyState(state);
    return upload;
  }

  /**
   * Called with the relay's counts of remaining one-time keys: tops each kind up to a full batch
   * when it fell below the threshold, and rotates the signed prekey when it is too old.
   */
  async topUp(remaining: { oneTime: number; oneTimeKyber: number }, nowMs: number, force = false): Promise<PrekeyUpload> {
    const state = await this.stores.prekeyState.loadPrekeyState();
    if (!state) return this.initialise(nowMs);
    const upload: PrekeyUpload = { oneTime: [], oneTimeKyber: [] };
    const ec = force || remaining.oneTime < this.policy.threshold ? Math.max(0, this.policy.batch - remaining.oneTime) : 0;
    const kyber = force || remaining.oneTimeKyber < this.policy.threshold ? Math.max(0, this.policy.batch - remaining.oneTimeKyber) : 0;
    await this.addOneTime(state, ec, kyber, upload, nowMs);
    if (nowMs - state.signedPreKeyCreatedAtMs >= this.policy.signedPrekeyMaxAgeMs) await this.rotate(state, nowMs, upload);
    await this.stores.prekeyState.savePrekeyState(state);
    return upload;
  }

  /** Rotates the signed prekey and the Kyber last-resort key now (e.g. on a schedule or after a compromise). */
  async rotateSignedPrekey(nowMs: number): Promise<PrekeyUpload> {
    const state = await this.stores.prekeyState.loadPrekeyState();
    if (!state) return this.initialise(nowMs);
    const upload: PrekeyUpload = { oneTime: [], oneTimeKyber: [] };
    await this.rotate(state, nowMs, upload);
    await this.stores.prekeyState.savePrekeyState(state);
    return upload;
  }

  private async republish(state: PrekeyState, upload: PrekeyUpload): Promise<void> {
    const signed = await this.stores.signedPreKey.getSignedPreKey(state.signedPreKeyId);
    upload.signedPrekey = encodeMessage(PublicSignedPrekeySchema, {
      id: signed.id(), publicKey: signed.publicKey().serialize(), signature: signed.signature(), createdAtMs: BigInt(signed.timestamp()),
      registrationId: this.identity.registrationId,
    });
    const kyber = await this.stores.kyberPreKey.getKyberPreKey(state.lastResortKyberPreKeyId);
    upload.kyberLastResort = encodeMessage(PublicKyberPrekeySchema, {
      id: kyber.id(), publicKey: kyber.publicKey().serialize(), signature: kyber.signature(), lastResort: true,
    });
  }

  private async rotate(state: PrekeyState, nowMs: number, upload: PrekeyUpload): Promise<void> {
    // Keep the one just replaced, so sessions started from a bundle fetched a moment ago still
    // work; the one before it is no longer handed out anywhere.
    if (state.previousSignedPreKeyId) await this.stores.signedPreKey.removeSignedPreKey(state.previousSignedPreKeyId);
    state.previousSignedPreKeyId = state.signedPreKeyId;
    await this.newSignedAndLastResort(state, nowMs, upload);
  }

  private async newSignedAndLastResort(state: PrekeyState, nowMs: number, upload: PrekeyUpload): Promise<void> {
    const { privateKey: identityKey } = this.identity.identityKeyPair;
    const signedId = state.nextSignedPreKeyId;
    state.nextSignedPreKeyId = nextId(signedId);
    const signed = PrivateKey.generate();
    const signature = identityKey.sign(signed.getPublicKey().serialize());
    await this.stores.signedPreKey.saveSignedPreKey(signedId, SignedPreKeyRecord.new(signedId, nowMs, signed.getPublicKey(), signed, signature));
    state.signedPreKeyId = signedId;
    state.signedPreKeyCreatedAtMs = nowMs;
    upload.signedPrekey = encodeMessage(PublicSignedPrekeySchema, {
      id: signedId, publicKey: signed.getPublicKey().serialize(), signature, createdAtMs: BigInt(nowMs),
      registrationId: this.identity.registrationId,
    });

    const kyberId = state.nextKyberPreKeyId;
    state.nextKyberPreKeyId = nextId(kyberId);
    const kem = KEMKeyPair.generate();
    const kemSig = identityKey.sign(kem.getPublicKey().serialize());
    await this.stores.kyberPreKey.saveLastResortKyberPreKey(kyberId, KyberPreKeyRecord.new(kyberId, nowMs, kem, kemSig));
    // The previous last-resort key stays until the next rotation for the same reason as above.
    state.lastResortKyberPreKeyId = kyberId;
    upload.kyberLastResort = encodeMessage(PublicKyberPrekeySchema, {
      id: kyberId, publicKey: kem.getPublicKey().serialize(), signature: kemSig, lastResort: true,
    });
  }

  private async addOneTime(state: PrekeyState, ec: number, kyber: number, upload: PrekeyUpload, nowMs: number): Promise<void> {
    const identityKey = this.identity.identityKeyPair.privateKey;
    for (let i = 0; i < ec; i++) {
      const id = state.nextPreKeyId;
      state.nextPreKeyId = nextId(id);
      const key = PrivateKey.generate();
      await this.stores.preKey.savePreKey(id, PreKeyRecord.new(id, key.getPublicKey(), key));
      upload.oneTime.push({ id, record: encodeMessage(PublicOneTimePrekeySchema, { id, publicKey: key.getPublicKey().serialize() }) });
    }
    for (let i = 0; i < kyber; i++) {
      const id = state.nextKyberPreKeyId;
      state.nextKyberPreKeyId = nextId(id);
      const kem = KEMKeyPair.generate();
      const signature = identityKey.sign(kem.getPublicKey().serialize());
      await this.stores.kyberPreKey.saveKyberPreKey(id, KyberPreKeyRecord.new(id, nowMs, kem, signature));
      upload.oneTimeKyber.push({ id, record: encodeMessage(PublicKyberPrekeySchema, { id, publicKey: kem.getPublicKey().serialize(), signature, lastResort: false }) });
    }
  }
}
