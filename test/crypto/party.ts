/** A device with real libsignal state and in-memory stores, plus a toy relay-side bundle queue. */
import { memoryProtocolStores } from '../../src/crypto/memory/MemoryStores.ts';
import { DeviceKeys, type PrekeyUpload } from '../../src/crypto/DeviceKeys.ts';
import { SessionCipher, type PeerBundle } from '../../src/crypto/SessionCipher.ts';
import { OrgTrust } from '../../src/crypto/OrgTrust.ts';
import type { ProtocolStores } from '../../src/crypto/stores.ts';
import { NOW, type TestDevice, type TestOrg } from './fixtures.ts';

export class Party {
  readonly stores: ProtocolStores;
  readonly keys: DeviceKeys;
  readonly trust: OrgTrust;
  readonly cipher: SessionCipher;
  private uploads: PrekeyUpload = { oneTime: [], oneTimeKyber: [] };
  private signedPrekey?: Uint8Array;
  private lastResort?: Uint8Array;
  nowMs = NOW;

  constructor(readonly org: TestOrg, readonly device: TestDevice, registrationId = 1 + device.deviceId) {
    this.stores = memoryProtocolStores(device.identity, registrationId);
    this.keys = new DeviceKeys(this.stores, { identityKeyPair: device.identity, registrationId }, { batch: 5, threshold: 2, signedPrekeyMaxAgeMs: 7 * 86_400_000 });
    // Each device has its own view of trust, fed from the organisation's published certificates.
    this.trust = new OrgTrust(org.trust.org);
    this.cipher = new SessionCipher(this.stores, device, this.trust, () => this.nowMs);
  }

  static async create(org: TestOrg, device: TestDevice): Promise<Party> {
    const p = new Party(org, device);
    p.publish(await p.keys.initialise(NOW));
    return p;
  }

  /** Takes what the relay would store from an upload. */
  publish(u: PrekeyUpload): void {
    if (u.signedPrekey) this.signedPrekey = u.signedPrekey;
    if (u.kyberLastResort) this.lastResort = u.kyberLastResort;
    this.uploads.oneTime.push(...u.oneTime);
    this.uploads.oneTimeKyber.push(...u.oneTimeKyber);
  }

  /** What the relay hands out for this device: one-time keys consumed, then the last resort. */
  bundle(): PeerBundle {
    const one = this.uploads.oneTime.shift();
    const kyber = this.uploads.oneTimeKyber.shift();
    return {
      userId: this.device.userId,
      deviceId: this.device.deviceId,
      deviceCertificate: this.device.certificate,
      signedPrekey: this.signedPrekey!,
      oneTimePrekey: one?.record,
      kyberPrekey: kyber?.record ?? this.lastResort!,
    };
  }

  remaining(): { oneTime: number; oneTimeKyber: number } {
    return { oneTime: this.uploads.oneTime.length, oneTimeKyber: this.uploads.oneTimeKyber.length };
  }

  /** Learns every certificate the organisation has issued so far (the directory). */
  learn(...others: (TestDevice | { encoded: Uint8Array })[]): void {
    for (const o of others) {
      if ('certificate' in o) this.trust.addDeviceCertificate(o.certificate);
      else this.trust.addMemberCertificate(o.encoded);
    }
  }
}
