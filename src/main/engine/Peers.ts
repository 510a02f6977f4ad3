/**
 * 1:1 delivery to peer devices: makes sure a session exists (fetching the peer's prekey bundles
 * from the relay, which are checked against org-signed device certificates by the crypto layer),
 * encrypts a Content for one device and sends it. Used for sender-key distributions and control
 * messages (wipe receipts).
 */
import {
  SessionCipher,
  encodeContent,
  encodeEnvelope,
  type DeviceRef,
  type OrgTrust,
  type ProtocolStores,
} from '../../crypto/index.ts';
import type { RelayClient } from '../../relay/RelayClient.ts';

type ContentInit = Parameters<typeof encodeContent>[0];

export class Peers {
  private readonly cipher: SessionCipher;
  /** Per user: the last session set-up or encryption in flight (see `send`). */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(
    stores: ProtocolStores,
    private readonly me: DeviceRef,
    private readonly trust: OrgTrust,
    private readonly now: () => number,
  ) {
    this.cipher = new SessionCipher(stores, me, trust, now);
  }

  get sessions(): SessionCipher {
    return this.cipher;
  }

  /** Makes sure there is a session with every current device of `userId` (except this one). */
  async ensureSessions(relay: RelayClient, userId: string, devices: readonly DeviceRef[]): Promise<void> {
    const missing: DeviceRef[] = [];
    for (const d of devices) if (!(await this.cipher.hasSession(d))) missing.push(d);
    if (missing.length === 0) return;
    const { bundles } = await relay.request({ case: 'fetchPrekeys', value: { userId } }, 'prekeyBundles');
    for (const b of bundles) {
      if (userId === this.me.userId && b.deviceId === this.me.deviceId) continue;
      if (!missing.some((m) => m.deviceId === b.deviceId)) continue;
      await this.cipher.processBundle({
        userId,
        deviceId: b.deviceId,
        deviceCertificate: b.deviceCertificate,
        signedPrekey: b.signedPrekey,
        ...(b.oneTime ? { oneTimePrekey: b.oneTime.record } : {}),
        kyberPrekey: b.kyberPrekey,
      });
    }
  }

  /** Encrypts `content` for one device and sends it; `channelId` empty for messages outside a channel. */
  async send(relay: RelayClient, peer: DeviceRef, channelId: Uint8Array, content: ContentInit): Promise<void> {
    // One at a time per user: two sends racing to a device without a session would each fetch a
    // bundle and start a session, and the second would replace the first under the peer's feet.
    const ct = await this.serial(peer.userId, async () => {
      await this.ensureSessions(relay, peer.userId, [peer]);
      return this.cipher.encrypt(peer, encodeContent(content));
    });
    const envelope = encodeEnvelope({ channelId, sender: this.me, recipient: peer, type: ct.type, ciphertext: ct.ciphertext, sentAtMs: this.now(), expiresAtMs: 0 });
    await relay.request({ case: 'send', value: { envelope } }, 'sent');
  }

  private serial<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(userId) ?? Promise.resolve();
    const next = prev.then(work, work);
    const settled = next.catch(() => undefined);
    this.busy.set(userId, settled);
    void settled.then(() => {
      if (this.busy.get(userId) === settled) this.busy.delete(userId);
    });
    return next;
  }

  /** Devices of a user we may talk to now (valid, unrevoked certificates), excluding this device. */
  devicesOf(userId: string): DeviceRef[] {
    return this.trust
      .devicesOf(userId, this.now())
      .filter((c) => !(c.userId === this.me.userId && c.deviceId === this.me.deviceId))
      .map((c) => ({ userId: c.userId, deviceId: c.deviceId }));
  }
}
