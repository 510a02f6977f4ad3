/**
 * The organisation's directory as the relay holds it: member and device certificates, revocations,
 * authentication of devices and of the root key, and prekey bundles. Every certificate is verified
 * by the crypto layer (RelayTrust) before it is stored; revocations cut live connections at once.
 */
import { createHash } from 'node:crypto';
import { RelayError } from '../../relay/errors.ts';
import type { DeviceAddress, DeviceRecord, RelayStore, TakenBundle } from '../store/RelayStore.ts';
import type { DeviceCertInfo } from '../trust/RelayTrust.ts';
import { FanOut } from './FanOut.ts';
import { sameDevice, type RelayContext } from './RelayContext.ts';

export class Directory {
  private revocations: Uint8Array[] = [];
  /** Each revocation by what it revokes (`device:serial`, `member:serial`): the proof a revoked device gets. */
  private readonly revocationOf = new Map<string, Uint8Array>();
  private readonly deviceCache = new Map<string, DeviceRecord[]>();

  constructor(
    private readonly ctx: RelayContext,
    private readonly fanOut: FanOut,
  ) {}

  private get store(): RelayStore {
    return this.ctx.store;
  }

  async init(): Promise<void> {
    // Revocations first, so that revoked certificates never enter the trust view.
    for (const r of await this.store.listRevocations()) this.noteRevocation(r.revocation);
    for (const m of await this.store.listMembers()) this.ctx.trust.learnMember(m.certificate);
    for (const d of await this.store.listDevices()) this.ctx.trust.learnDevice(d.certificate);
  }

  // ---- authentication ----

  async authenticateDevice(certificate: Uint8Array, challenge: Uint8Array, signature: Uint8Array): Promise<DeviceCertInfo> {
    let cert: DeviceCertInfo;
    try {
      cert = this.ctx.trust.verifyDeviceCertificate(certificate, this.ctx.now());
    } catch (e) {
      if (!(e instanceof RelayError) || e.code !== 'AUTH_REVOKED') throw e;
      // The device can only tell a real revocation from a relay's say-so with the signed proof.
      const known = (await this.store.listDevices()).find((d) => Buffer.compare(d.certificate, certificate) === 0);
      const revocation = known ? this.revocationOf.get(`device:${known.serial}`) : undefined;
      throw new RelayError('AUTH_REVOKED', e.userMessage, { cause: e, revocation });
    }
    const member = await this.store.getMember(cert.userId);
    if (!member) throw new RelayError('AUTH_UNSANCTIONED', 'This device belongs to no known member of the organisation. Ask your security officer.');
    if (this.isMemberRevoked(member.serial)) {
      throw new RelayError('AUTH_REVOKED', 'Your membership of the organisation was revoked. Ask your security officer.', { revocation: this.revocationOf.get(`member:${member.serial}`) });
    }
    const known = await this.store.getDevice(cert.userId, cert.deviceId);
    if (!known || Buffer.compare(known.certificate, certificate) !== 0) {
      // A certificate the relay never saw approved (e.g. an older one replaced since).
      throw new RelayError('AUTH_UNSANCTIONED', 'This device certificate is not the one on record. Enrol the device again.');
    }
    if (!this.ctx.trust.verifyDeviceChallenge(cert, challenge, signature)) {
      throw new RelayError('AUTH_BAD_SIGNATURE', 'The device could not prove it holds its identity key. Enrol the device again.');
    }
    return cert;
  }

  authenticateAdmin(challenge: Uint8Array, signature: Uint8Array): void {
    if (!this.ctx.trust.verifyAdminChallenge(challenge, signature)) {
      throw new RelayError('AUTH_BAD_SIGNATURE', 'The request was not signed by the organisation root key of this relay.');
    }
  }

  // ---- certificates ----

  /** A device certificate issued by the organisation, or CERTIFICATE_REFUSED. */
  verifyDeviceCertificate(bytes: Uint8Array): DeviceCertInfo {
    try {
      return this.ctx.trust.verifyDeviceCertificate(bytes, this.ctx.now());
    } catch (e) {
      throw new RelayError('CERTIFICATE_REFUSED', 'The device certificate does not verify against the organisation key.', { cause: e });
    }
  }

  /** Stores an approved device's certificate and lets the trust view know it. */
  async addDevice(cert: DeviceCertInfo, bytes: Uint8Array): Promise<void> {
    await this.store.putDevice({ ...cert, serial: BigInt(cert.serial), certificate: bytes });
    this.ctx.trust.learnDevice(bytes);
    this.deviceCache.delete(cert.userId);
  }

  async publishMember(bytes: Uint8Array): Promise<void> {
    const m = this.ctx.trust.verifyMemberCertificate(bytes, this.ctx.now());
    const prev = await this.store.getMember(m.userId);
    if (prev && prev.serial >= BigInt(m.serial)) {
      throw new RelayError('CERTIFICATE_REFUSED', 'A newer certificate of this member is on record already; issue one with a higher serial.');
    }
    await this.store.putMember({ ...m, serial: BigInt(m.serial), certificate: bytes });
    this.ctx.trust.learnMember(bytes);
    this.deviceCache.delete(m.userId);
    if (!prev) await this.ctx.audit('member.added', 'org', m.userId, `clearance ${m.clearance}, roles ${m.roles.join(' ')}`);
    else if (prev.clearance !== m.clearance) await this.ctx.audit('clearance.changed', 'org', m.userId, `${prev.clearance} -> ${m.clearance}`);
    else await this.ctx.audit('member.updated', 'org', m.userId, `roles ${m.roles.join(' ')}`);
  }

  async publishRevocation(bytes: Uint8Array): Promise<void> {
    const r = this.ctx.trust.verifyRevocation(bytes);
    let cut: DeviceAddress[] = [];
    let subject = '';
    if (r.target === 'device') {
      const d = (await this.store.listDevices()).find((x) => Number(x.serial) === r.serial);
      if (!d) throw new RelayError('CERTIFICATE_REFUSED', `No device certificate with serial ${r.serial} on record.`);
      cut = [d];
      subject = `${d.userId}:${d.deviceId}`;
      await this.store.putRevocation({ serial: BigInt(r.serial), userId: d.userId, deviceId: d.deviceId, revocation: bytes });
    } else {
      const m = (await this.store.listMembers()).find((x) => Number(x.serial) === r.serial);
      if (!m) throw new RelayError('CERTIFICATE_REFUSED', `No member certificate with serial ${r.serial} on record.`);
      cut = await this.store.listDevices(m.userId);
      subject = m.userId;
      await this.store.putRevocation({ serial: BigInt(r.serial), userId: m.userId, deviceId: 0, revocation: bytes });
    }
    this.noteRevocation(bytes);
    await this.ctx.audit(r.target === 'device' ? 'device.revoked' : 'user.revoked', 'org', subject, `serial ${r.serial}`);
    for (const d of cut) {
      for (const s of this.fanOut.sinksOf(d)) s.cut('AUTH_REVOKED', 'This device was revoked by the security officer.', bytes);
    }
    // Every other device learns of it, so peers stop trusting the revoked key.
    const everyone = (await this.store.listDevices()).filter((d) => !cut.some((c) => sameDevice(c, d)));
    const placed = await this.fanOut.place(everyone, { id: digest(bytes), kind: 'revocation', channelId: new Uint8Array(), payload: bytes, expiresMs: this.ctx.now() + this.ctx.limits.maxQueueAgeMs });
    FanOut.requireDelivered('revocation', placed);
  }

  private noteRevocation(bytes: Uint8Array): void {
    this.ctx.trust.learnRevocation(bytes);
    const r = this.ctx.trust.verifyRevocation(bytes);
    this.revocationOf.set(`${r.target}:${r.serial}`, bytes);
    this.deviceCache.clear();
    this.revocations.push(bytes);
  }

  isMemberRevoked(serial: bigint): boolean {
    return this.ctx.trust.isRevoked('member', Number(serial));
  }

  /** An unrevoked member whose member certificate carries the security-officer role. */
  async isSecurityOfficer(userId: string): Promise<boolean> {
    const m = await this.store.getMember(userId);
    return m !== undefined && !this.isMemberRevoked(m.serial) && m.roles.includes('security-officer');
  }

  async fetchDirectory(userIds: string[]): Promise<{ entries: { userId: string; member: Uint8Array; devices: Uint8Array[] }[]; revocations: Uint8Array[] }> {
    const members = (await this.store.listMembers()).filter((m) => userIds.length === 0 || userIds.includes(m.userId));
    const entries = [];
    for (const m of members) {
      entries.push({ userId: m.userId, member: m.certificate, devices: (await this.store.listDevices(m.userId)).map((d) => d.certificate) });
    }
    return { entries, revocations: [...this.revocations] };
  }

  /** The user's sanctioned devices; cached, since every send needs them, and dropped on any directory change. */
  async liveDevicesOf(userId: string): Promise<DeviceAddress[]> {
    let cached = this.deviceCache.get(userId);
    if (!cached) {
      const m = await this.store.getMember(userId);
      cached = !m || this.isMemberRevoked(m.serial) ? [] : (await this.store.listDevices(userId)).filter((d) => !this.ctx.trust.isRevoked('device', Number(d.serial)));
      this.deviceCache.set(userId, cached);
    }
    const now = this.ctx.now();
    return cached.filter((d) => d.notAfterMs > now);
  }

  /** Every sanctioned device of these users. */
  async liveDevicesOfAll(userIds: Iterable<string>): Promise<DeviceAddress[]> {
    const out: DeviceAddress[] = [];
    for (const u of userIds) out.push(...(await this.liveDevicesOf(u)));
    return out;
  }

  // ---- prekeys ----

  async fetchPrekeys(userId: string): Promise<{ deviceId: number; certificate: Uint8Array; bundle: TakenBundle }[]> {
    const member = await this.store.getMember(userId);
    if (!member || this.isMemberRevoked(member.serial)) throw new RelayError('UNKNOWN_USER', `No member ${userId} in this organisation.`);
    const out = [];
    for (const d of await this.liveDevicesOf(userId)) {
      const bundle = await this.store.takeBundle(d);
      if (!bundle) continue;
      const rec = await this.store.getDevice(d.userId, d.deviceId);
      out.push({ deviceId: d.deviceId, certificate: rec!.certificate, bundle });
      const counts = await this.store.countPrekeys(d);
      const low = this.ctx.limits.prekeysLowThreshold;
      if (counts.oneTime < low || counts.oneTimeKyber < low) {
        for (const s of this.fanOut.sinksOf(d)) s.pushPrekeysLow(counts);
      }
    }
    if (out.length === 0) throw new RelayError('NO_PREKEYS', `No device of ${userId} has published prekeys yet. Try again once they have been online.`);
    return out;
  }
}

/** The 16-byte id of a signed record in the queues (its hash: the same record is queued once). */
export function digest(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(b).digest().subarray(0, 16));
}
