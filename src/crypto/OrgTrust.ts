/**
 * What this device (or the relay) knows of the organisation: the pinned root, the verified member
 * and device certificates, and the revocations. Certificates enter only through verification, so
 * every lookup answers with something the organisation signed.
 */
import {
  hasStarted,
  readDeviceCertificate,
  readMemberCertificate,
  verifyRevocation,
  type DeviceCertificate,
  type MemberCertificate,
  type Revocation,
  type RevocationSet,
} from './certificates.ts';
import { CertificateError } from './errors.ts';
import type { OrgIdentity } from './OrgRoot.ts';

/**
 * A read-only view of trust at one instant. `applyChannelChange` and the wipe checks take this, so
 * they stay pure: the same inputs always give the same answer.
 */
export interface TrustView {
  readonly nowMs: number;
  /** The member certificate of a user if it is valid at `nowMs` and not revoked. */
  member(userId: string): MemberCertificate | undefined;
  /** The device certificate of a device if it is valid at `nowMs` and not revoked. */
  device(userId: string, deviceId: number): DeviceCertificate | undefined;
}

export class OrgTrust implements RevocationSet {
  private readonly members = new Map<string, MemberCertificate>();
  private readonly devices = new Map<string, DeviceCertificate>();
  private readonly revoked = new Map<string, Revocation>();
  private readonly seenDevices = new Map<string, DeviceCertificate>();

  constructor(readonly org: OrgIdentity) {}

  isRevoked(target: 'member' | 'device', serial: number): boolean {
    return this.revoked.has(`${target}:${serial}`);
  }

  /** Verifies and keeps a member certificate (replacing an older serial for the same user). */
  addMemberCertificate(bytes: Uint8Array): MemberCertificate {
    const cert = readMemberCertificate(bytes, this.org);
    if (this.isRevoked('member', cert.serial)) throw new CertificateError('revoked', 'member certificate');
    return keepNewest(this.members, cert.userId, cert);
  }

  addDeviceCertificate(bytes: Uint8Array): DeviceCertificate {
    // Bundles carry the same certificate again and again; verify each distinct one once.
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    const seen = this.seenDevices.get(id);
    const cert = seen ?? readDeviceCertificate(bytes, this.org);
    if (!seen) this.seenDevices.set(id, cert);
    if (this.isRevoked('device', cert.serial)) throw new CertificateError('revoked', 'device certificate');
    return keepNewest(this.devices, `${cert.userId}.${cert.deviceId}`, cert);
  }

  addRevocation(bytes: Uint8Array): Revocation {
    const r = verifyRevocation(bytes, this.org);
    this.revoked.set(`${r.target}:${r.revokedSerial}`, r);
    return r;
  }

  /** The user a revocation concerns, when the revoked certificate is known here. */
  userOf(r: Pick<Revocation, 'target' | 'revokedSerial'>): string | undefined {
    const certs = r.target === 'member' ? this.members.values() : this.devices.values();
    for (const c of certs) if (c.serial === r.revokedSerial) return c.userId;
    return undefined;
  }

  revocations(): Revocation[] {
    return [...this.revoked.values()];
  }

  /**
   * The valid, unrevoked certificate of a device at `nowMs`, or a typed error saying why not.
   * This is the gate for accepting a peer's identity key.
   */
  requireDevice(userId: string, deviceId: number, nowMs: number): DeviceCertificate {
    const cert = this.devices.get(`${userId}.${deviceId}`);
    if (!cert) throw new CertificateError('missing', 'device certificate');
    if (this.isRevoked('device', cert.serial)) throw new CertificateError('revoked', 'device certificate');
    // A person removed from the organisation takes their devices along.
    if (this.memberRevoked(userId)) throw new CertificateError('revoked', 'member certificate');
    if (!hasStarted(cert, nowMs)) throw new CertificateError('not-yet-valid', 'device certificate');
    if (nowMs >= cert.notAfterMs) throw new CertificateError('expired', 'device certificate');
    return cert;
  }

  /** True when the user's (newest known) member certificate has been revoked. */
  private memberRevoked(userId: string): boolean {
    const m = this.members.get(userId);
    return m !== undefined && this.isRevoked('member', m.serial);
  }

  requireMember(userId: string, nowMs: number): MemberCertificate {
    const cert = this.members.get(userId);
    if (!cert) throw new CertificateError('missing', 'member certificate');
    if (this.isRevoked('member', cert.serial)) throw new CertificateError('revoked', 'member certificate');
    if (!hasStarted(cert, nowMs)) throw new CertificateError('not-yet-valid', 'member certificate');
    if (nowMs >= cert.notAfterMs) throw new CertificateError('expired', 'member certificate');
    return cert;
  }

  /** Device certificates of a user valid at `nowMs`, by device id. */
  devicesOf(userId: string, nowMs: number): DeviceCertificate[] {
    return [...this.devices.values()]
      .filter((c) => c.userId === userId && this.valid(() => this.requireDevice(c.userId, c.deviceId, nowMs)))
      .sort((a, b) => a.deviceId - b.deviceId);
  }

  /**
   * Trust as it stood at `atMs`, for judging records signed in the past (a channel's history):
   * certificates valid then, and only revocations that had taken effect by then. Never use it
   * for something that arrives now claiming to be old; use `view(now)` for live changes.
   */
  viewAt(atMs: number): TrustView {
    const revokedBy = (target: 'member' | 'device', serial: number) => {
      const r = this.revoked.get(`${target}:${serial}`);
      return r !== undefined && r.revokedAtMs <= atMs;
    };
    const valid = <T extends { serial: number; notBeforeMs: number; notAfterMs: number }>(target: 'member' | 'device', c: T | undefined) =>
      c && !revokedBy(target, c.serial) && hasStarted(c, atMs) && atMs < c.notAfterMs ? c : undefined;
    return {
      nowMs: atMs,
      member: (u) => valid('member', this.members.get(u)),
      device: (u, d) => {
        const m = this.members.get(u);
        return m && revokedBy('member', m.serial) ? undefined : valid('device', this.devices.get(`${u}.${d}`));
      },
    };
  }

  /**
   * Every certificate the organisation issued, whether revoked or expired since: only for records a
   * currently valid signer has since extended (`verifyChannelChain`), never for a record on its own.
   */
  everIssued(nowMs: number): TrustView {
    return {
      nowMs,
      member: (u) => this.members.get(u),
      device: (u, d) => this.devices.get(`${u}.${d}`),
    };
  }

  view(nowMs: number): TrustView {
    // Plain checks rather than require*/catch: channel changes look up every member.
    const ok = <T extends { serial: number; notBeforeMs: number; notAfterMs: number }>(target: 'member' | 'device', c: T | undefined) =>
      c && !this.revoked.has(`${target}:${c.serial}`) && hasStarted(c, nowMs) && nowMs < c.notAfterMs ? c : undefined;
    return {
      nowMs,
      member: (u) => ok('member', this.members.get(u)),
      device: (u, d) => (this.memberRevoked(u) ? undefined : ok('device', this.devices.get(`${u}.${d}`))),
    };
  }

  private valid(f: () => unknown): boolean {
    return this.attempt(f) !== undefined;
  }

  private attempt<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (e instanceof CertificateError) return undefined;
      throw e;
    }
  }
}

/** Keeps `cert` under `key` unless a higher serial is held there already; returns `cert` either way. */
function keepNewest<C extends { serial: number }>(held: Map<string, C>, key: string, cert: C): C {
  const old = held.get(key);
  if (!old || old.serial <= cert.serial) held.set(key, cert);
  return cert;
}
