/**
 * Raw libsignal with the simplest possible in-memory stores: the limit that our own wrappers are
 * measured against in the same run. Nothing of Valise is used here on purpose.
 */
import * as S from '@signalapp/libsignal-client';

class Stores {
  readonly sessions = new Map<string, S.SessionRecord>();
  readonly identities = new Map<string, S.PublicKey>();
  readonly preKeys = new Map<number, S.PreKeyRecord>();
  readonly signed = new Map<number, S.SignedPreKeyRecord>();
  readonly kyber = new Map<number, S.KyberPreKeyRecord>();
  readonly senderKeys = new Map<string, S.SenderKeyRecord>();
  readonly identity = S.IdentityKeyPair.generate();
  readonly registrationId = 1 + Math.floor(Math.random() * 16000);

  readonly sessionStore = new (class extends S.SessionStore {
    constructor(private readonly s: Stores) { super(); }
    async saveSession(a: S.ProtocolAddress, r: S.SessionRecord) { this.s.sessions.set(a.toString(), r); }
    async getSession(a: S.ProtocolAddress) { return this.s.sessions.get(a.toString()) ?? null; }
    async getExistingSessions(as: S.ProtocolAddress[]) { return as.map((a) => this.s.sessions.get(a.toString())!); }
  })(this);

  readonly identityStore = new (class extends S.IdentityKeyStore {
    constructor(private readonly s: Stores) { super(); }
    async getIdentityKey() { return this.s.identity.privateKey; }
    async getLocalRegistrationId() { return this.s.registrationId; }
    async saveIdentity(a: S.ProtocolAddress, k: S.PublicKey) {
      const old = this.s.identities.get(a.toString());
      this.s.identities.set(a.toString(), k);
      return old && !old.equals(k) ? S.IdentityChange.ReplacedExisting : S.IdentityChange.NewOrUnchanged;
    }
    async isTrustedIdentity() { return true; }
    async getIdentity(a: S.ProtocolAddress) { return this.s.identities.get(a.toString()) ?? null; }
  })(this);

  readonly preKeyStore = new (class extends S.PreKeyStore {
    constructor(private readonly s: Stores) { super(); }
    async savePreKey(id: number, r: S.PreKeyRecord) { this.s.preKeys.set(id, r); }
    async getPreKey(id: number) { return this.s.preKeys.get(id)!; }
    async removePreKey(id: number) { this.s.preKeys.delete(id); }
  })(this);

  readonly signedStore = new (class extends S.SignedPreKeyStore {
    constructor(private readonly s: Stores) { super(); }
    async saveSignedPreKey(id: number, r: S.SignedPreKeyRecord) { this.s.signed.set(id, r); }
    async getSignedPreKey(id: number) { return this.s.signed.get(id)!; }
  })(this);

  readonly kyberStore = new (class extends S.KyberPreKeyStore {
    constructor(private readonly s: Stores) { super(); }
    async saveKyberPreKey(id: number, r: S.KyberPreKeyRecord) { this.s.kyber.set(id, r); }
    async getKyberPreKey(id: number) { return this.s.kyber.get(id)!; }
    async markKyberPreKeyUsed() {}
  })(this);

  readonly senderKeyStore = new (class extends S.SenderKeyStore {
    constructor(private readonly s: Stores) { super(); }
    async saveSenderKey(a: S.ProtocolAddress, d: S.Uuid, r: S.SenderKeyRecord) { this.s.senderKeys.set(`${a.toString()}/${String(d)}`, r); }
    async getSenderKey(a: S.ProtocolAddress, d: S.Uuid) { return this.s.senderKeys.get(`${a.toString()}/${String(d)}`) ?? null; }
  })(this);

  bundle(deviceId: number): S.PreKeyBundle {
    const pre = S.PrivateKey.generate();
    const signed = S.PrivateKey.generate();
    const kyber = S.KEMKeyPair.generate();
    const signedSig = this.identity.privateKey.sign(signed.getPublicKey().serialize());
    const kyberSig = this.identity.privateKey.sign(kyber.getPublicKey().serialize());
    const now = Date.now();
    this.preKeys.set(1, S.PreKeyRecord.new(1, pre.getPublicKey(), pre));
    this.signed.set(1, S.SignedPreKeyRecord.new(1, now, signed.getPublicKey(), signed, signedSig));
    this.kyber.set(1, S.KyberPreKeyRecord.new(1, now, kyber, kyberSig));
    return S.PreKeyBundle.new(this.registrationId, deviceId, 1, pre.getPublicKey(), 1, signed.getPublicKey(), signedSig,
      this.identity.publicKey, 1, kyber.getPublicKey(), kyberSig);
  }
}

export interface RawPair {
  encrypt(): Promise<Uint8Array>;
  decrypt(c: Uint8Array): Promise<Uint8Array>;
}

/** Alice → Bob 1:1 session, set up and past the first PreKey message. */
export async function rawSessionPair(payload: Uint8Array<ArrayBuffer>): Promise<RawPair> {
  const alice = new Stores();
  const bob = new Stores();
  const aAddr = S.ProtocolAddress.new('alice', 1);
  const bAddr = S.ProtocolAddress.new('bob', 1);
  await S.processPreKeyBundle(bob.bundle(1), bAddr, aAddr, alice.sessionStore, alice.identityStore);
  const first = await S.signalEncrypt(payload, bAddr, aAddr, alice.sessionStore, alice.identityStore);
  await S.signalDecryptPreKey(S.PreKeySignalMessage.deserialize(first.serialize()), aAddr, bAddr, bob.sessionStore,
    bob.identityStore, bob.preKeyStore, bob.signedStore, bob.kyberStore);
  const reply = await S.signalEncrypt(payload, aAddr, bAddr, bob.sessionStore, bob.identityStore);
  await S.signalDecrypt(S.SignalMessage.deserialize(reply.serialize()), bAddr, aAddr, alice.sessionStore, alice.identityStore);
  return {
    encrypt: async () => (await S.signalEncrypt(payload, bAddr, aAddr, alice.sessionStore, alice.identityStore)).serialize(),
    decrypt: (c) => S.signalDecrypt(S.SignalMessage.deserialize(c as Uint8Array<ArrayBuffer>), aAddr, bAddr, bob.sessionStore, bob.identityStore),
  };
}

/** Alice's sender key for one distribution id, already distributed to Bob. */
export async function rawSenderKeyPair(payload: Uint8Array<ArrayBuffer>): Promise<RawPair> {
  const alice = new Stores();
  const bob = new Stores();
  const aAddr = S.ProtocolAddress.new('alice', 1);
  const distributionId = '5b0e1c8e-7b4f-4a53-9d52-3c1f0a6f2b11';
  const skdm = await S.SenderKeyDistributionMessage.create(aAddr, distributionId, alice.senderKeyStore);
  await S.processSenderKeyDistributionMessage(aAddr, S.SenderKeyDistributionMessage.deserialize(skdm.serialize()), bob.senderKeyStore);
  return {
    encrypt: async () => (await S.groupEncrypt(aAddr, distributionId, alice.senderKeyStore, payload)).serialize(),
    decrypt: (c) => S.groupDecrypt(aAddr, bob.senderKeyStore, c as Uint8Array<ArrayBuffer>),
  };
}

/** A full 1:1 session setup (bundle processed, first PreKey message decrypted). */
export async function rawSessionSetup(payload: Uint8Array<ArrayBuffer>): Promise<void> {
  await rawSessionPair(payload);
}
