/**
 * 1:1 sessions (PQXDH + double ratchet) gated on organisation trust (DESIGN.md §4): a peer's
 * identity key is taken from its org-signed device certificate, never from the relay, and a device
 * whose key changed is blocked until the user verifies it again.
 */
import {
  CiphertextMessageType,
  KEMPublicKey,
  LibSignalErrorBase,
  PreKeyBundle,
  PreKeySignalMessage,
  ProtocolAddress,
  PublicKey,
  SignalMessage,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from '@signalapp/libsignal-client';
import { PublicKyberPrekeySchema, PublicOneTimePrekeySchema, PublicSignedPrekeySchema } from '../gen/valise/v1/prekeys_pb.ts';
import { checkValidity, type DeviceCertificate } from './certificates.ts';
import type { DeviceRef } from './ChannelState.ts';
import { decodeMessage, LIMITS } from './codec.ts';
import { CertificateError, CodecError, CryptoUsageError, DecryptionError, UntrustedIdentity } from './errors.ts';
import { fromLibsignal } from './libsignalErrors.ts';
import type { OrgTrust } from './OrgTrust.ts';
import { copy, publicKeyFrom } from './signing.ts';
import type { ProtocolStores } from './stores.ts';

/** A peer device's prekey bundle as the relay hands it out (relay.proto PrekeyBundle). */
export interface PeerBundle {
  userId: string;
  deviceId: number;
  deviceCertificate: Uint8Array;
  /** Encoded PublicSignedPrekey. */
  signedPrekey: Uint8Array;
  /** Encoded PublicOneTimePrekey, when one was left. */
  oneTimePrekey?: Uint8Array;
  /** Encoded PublicKyberPrekey (one-time or last resort). */
  kyberPrekey: Uint8Array;
  /**
   * An identity key the relay claims for the device, if it sent one. It must equal the certified
   * key; the session is always built with the certified key whatever this says.
   */
  identityKey?: Uint8Array;
}

export type SessionMessageType = 'prekey' | 'whisper';

export interface SessionCiphertext {
  type: SessionMessageType;
  ciphertext: Uint8Array;
}

export class SessionCipher {
  private readonly addresses = new Map<string, ProtocolAddress>();
  readonly localAddress: ProtocolAddress;

  constructor(
    private readonly stores: ProtocolStores,
    local: DeviceRef,
    private readonly trust: OrgTrust,
    private readonly now: () => number = Date.now,
  ) {
    this.localAddress = ProtocolAddress.new(local.userId, local.deviceId);
  }

  /**
   * Starts a session from a peer's bundle, only after checking that an unrevoked device
   * certificate covers the identity key the bundle's prekeys were signed with.
   */
  async processBundle(bundle: PeerBundle): Promise<void> {
    const nowMs = this.now();
    const cert = this.certifiedBundleDevice(bundle, nowMs);
    const address = this.address(bundle.userId, bundle.deviceId);
    if (bundle.identityKey && !publicKeyFrom(bundle.identityKey, 'prekey bundle').equals(cert.identityKey)) {
      throw new UntrustedIdentity(address.toString());
    }
    await this.pinCertified(address, cert.identityKey);
    const what = 'prekey bundle';
    const signed = decodeMessage(PublicSignedPrekeySchema, bundle.signedPrekey, LIMITS.prekey, what);
    const kyber = decodeMessage(PublicKyberPrekeySchema, bundle.kyberPrekey, LIMITS.prekey, what);
    const oneTime = bundle.oneTimePrekey ? decodeMessage(PublicOneTimePrekeySchema, bundle.oneTimePrekey, LIMITS.prekey, what) : null;
    let libBundle: PreKeyBundle;
    try {
      libBundle = PreKeyBundle.new(
        signed.registrationId, bundle.deviceId,
        oneTime ? oneTime.id : null, oneTime ? PublicKey.deserialize(copy(oneTime.publicKey)) : null,
        signed.id, PublicKey.deserialize(copy(signed.publicKey)), copy(signed.signature),
        cert.identityKey,
        kyber.id, KEMPublicKey.deserialize(copy(kyber.publicKey)), copy(kyber.signature),
      );
    } catch (e) {
      throw new CodecError(what, 'malformed keys', { cause: e });
    }
    try {
      await processPreKeyBundle(libBundle, address, this.localAddress, this.stores.session, this.stores.identity, new Date(nowMs));
    } catch (e) {
      // The bundle was built with the certified key, so prekeys the relay substituted fail
      // libsignal's signature check here: that is an untrusted identity, not a damaged message.
      if (e instanceof LibSignalErrorBase && /signature/i.test(e.message)) throw new UntrustedIdentity(address.toString(), { cause: e });
      throw fromLibsignal(e, address.toString());
    }
  }

  async hasSession(peer: DeviceRef): Promise<boolean> {
    const s = await this.stores.session.getSession(this.address(peer.userId, peer.deviceId));
    return s !== null && s.hasCurrentState();
  }

  /** Encrypts for one peer device. Refused for a revoked/expired device or a changed identity key. */
  async encrypt(peer: DeviceRef, plaintext: Uint8Array): Promise<SessionCiphertext> {
    const address = this.address(peer.userId, peer.deviceId);
    const cert = this.trust.requireDevice(peer.userId, peer.deviceId, this.now());
    await this.requireUnchanged(address, cert.identityKey);
    try {
      const msg = await signalEncrypt(copy(plaintext), address, this.localAddress, this.stores.session, this.stores.identity);
      const type = msg.type() === CiphertextMessageType.PreKey ? 'prekey' : 'whisper';
      return { type, ciphertext: msg.serialize() };
    } catch (e) {
      const err = fromLibsignal(e, address.toString());
      // Encrypting touches no received bytes, so a decryption-kind failure means a missing session.
      if (err instanceof DecryptionError) {
        throw new CryptoUsageError('NO_SESSION', 'There is no secure session with this device yet. Fetch its keys first.', { cause: e });
      }
      throw err;
    }
  }

  /**
   * Decrypts a message from a peer device. Throws DuplicateMessage for a replay, UntrustedIdentity
   * when the sender's key is not its certified one, CertificateError for a revoked/expired sender,
   * DecryptionError for anything altered.
   */
  async decrypt(sender: DeviceRef, type: SessionMessageType, ciphertext: Uint8Array): Promise<Uint8Array> {
    const address = this.address(sender.userId, sender.deviceId);
    const cert = this.trust.requireDevice(sender.userId, sender.deviceId, this.now());
    if (ciphertext.length > LIMITS.envelope) throw new CodecError('message', 'too large');
    // Pin the certified key before libsignal looks: a PreKey message carrying any other identity
    // key then fails its trust check instead of starting a session.
    await this.pinCertified(address, cert.identityKey);
    try {
      if (type === 'prekey') {
        let msg: PreKeySignalMessage;
        try {
          msg = PreKeySignalMessage.deserialize(copy(ciphertext));
        } catch (e) {
          throw new DecryptionError('corrupt', { cause: e });
        }
        return await signalDecryptPreKey(msg, address, this.localAddress, this.stores.session, this.stores.identity,
          this.stores.preKey, this.stores.signedPreKey, this.stores.kyberPreKey);
      }
      let msg: SignalMessage;
      try {
        msg = SignalMessage.deserialize(copy(ciphertext));
      } catch (e) {
        throw new DecryptionError('corrupt', { cause: e });
      }
      return await signalDecrypt(msg, address, this.localAddress, this.stores.session, this.stores.identity);
    } catch (e) {
      throw fromLibsignal(e, address.toString());
    }
  }

  /**
   * The user compared safety numbers and accepts the device's current certified key: sending
   * resumes, with a fresh session on the next bundle.
   */
  async approveIdentity(peer: DeviceRef): Promise<void> {
    const cert = this.trust.requireDevice(peer.userId, peer.deviceId, this.now());
    await this.stores.identity.approveIdentity(this.address(peer.userId, peer.deviceId), cert.identityKey);
  }

  /** True when the stored key for the device differs from its certified key (sending is blocked). */
  async identityChanged(peer: DeviceRef): Promise<boolean> {
    const cert = this.trust.requireDevice(peer.userId, peer.deviceId, this.now());
    const stored = await this.stores.identity.getIdentity(this.address(peer.userId, peer.deviceId));
    return stored !== null && !stored.equals(cert.identityKey);
  }

  private certifiedBundleDevice(bundle: PeerBundle, nowMs: number): DeviceCertificate {
    // Verifies the org signature (once per distinct certificate) and refuses a revoked one.
    const cert = this.trust.addDeviceCertificate(bundle.deviceCertificate);
    checkValidity(cert, nowMs, 'device certificate');
    if (cert.userId !== bundle.userId || cert.deviceId !== bundle.deviceId) throw new CertificateError('wrong-signer', 'device certificate');
    // A relay could hand out an older, still unrevoked certificate of a re-enrolled device (and the
    // old key's prekeys); only the newest certificate we know for the device counts.
    const current = this.trust.requireDevice(bundle.userId, bundle.deviceId, nowMs);
    if (!current.identityKey.equals(cert.identityKey)) throw new UntrustedIdentity(`${bundle.userId}.${bundle.deviceId}`);
    return cert;
  }

  private async pinCertified(address: ProtocolAddress, certified: PublicKey): Promise<void> {
    const stored = await this.stores.identity.getIdentity(address);
    if (!stored) await this.stores.identity.approveIdentity(address, certified);
    else if (!stored.equals(certified)) throw new UntrustedIdentity(address.toString());
  }

  private async requireUnchanged(address: ProtocolAddress, certified: PublicKey): Promise<void> {
    const stored = await this.stores.identity.getIdentity(address);
    if (stored && !stored.equals(certified)) throw new UntrustedIdentity(address.toString());
  }

  private address(userId: string, deviceId: number): ProtocolAddress {
    const key = `${userId}.${deviceId}`;
    let a = this.addresses.get(key);
    if (!a) {
      a = ProtocolAddress.new(userId, deviceId);
      this.addresses.set(key, a);
    }
    return a;
  }
}
