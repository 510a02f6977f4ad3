/**
 * Enrolment on the relay (README "Enrolment: commit, then reveal"): anonymous requests, the
 * officer's org-signed nonce, approval with the comparison code, and the waiting devices.
 */
import { createHash, randomBytes } from 'node:crypto';
import { RelayError } from '../../relay/errors.ts';
import type { Directory } from './Directory.ts';
import type { RelayContext } from './RelayContext.ts';

export interface EnrolmentWaiter {
  /** The officer opened the request: the device can now derive and show its code. */
  nonceIssued(nonceRecord: Uint8Array): void;
  approved(deviceCertificate: Uint8Array, memberCertificate: Uint8Array): void;
}

/** Where an anonymous request comes from. */
export interface EnrolmentOrigin {
  /** The peer's network address ('' when unknown). */
  address: string;
  /** Requests this connection has submitted so far. */
  submittedHere: number;
}

export interface PendingEnrolment {
  requestId: string;
  request: Uint8Array;
  nonceRecord: Uint8Array;
  submittedMs: number;
  matchedUserId: string;
  nextDeviceId: number;
}

const unknownRequest = (requestId: string): RelayError =>
  new RelayError('ENROLMENT_UNKNOWN', `No pending enrolment request ${requestId}. Run "valise-admin pending".`);

export class Enrolments {
  private readonly waiters = new Map<string, Set<EnrolmentWaiter>>();
  /** Recent unapproved requests by network address (request id → time), for the per-address limit. */
  private readonly byAddress = new Map<string, Map<string, number>>();

  constructor(
    private readonly ctx: RelayContext,
    private readonly directory: Directory,
  ) {}

  /**
   * Stores an anonymous request, within the limits: so many per connection, per network address
   * and window, and unapproved ones in total per window. The same request bytes sent again get
   * the same id (`fresh` false) and count once.
   */
  async submit(request: Uint8Array, origin: EnrolmentOrigin): Promise<{ requestId: string; fresh: boolean }> {
    const info = this.ctx.trust.readEnrolment(request);
    const { limits } = this.ctx;
    const now = this.ctx.now();
    const since = now - limits.enrolmentWindowMs;
    const recent = (await this.ctx.store.listPendingEnrolments()).filter((e) => e.submittedMs > since);
    const same = recent.find((e) => Buffer.compare(e.request, request) === 0);
    if (same) return { requestId: same.requestId, fresh: false };
    const fromAddress = this.recentFrom(origin.address, since);
    const refuse = origin.submittedHere >= limits.enrolmentsPerConnection ? 'connection'
      : fromAddress.size >= limits.enrolmentsPerAddress ? 'address'
      : recent.length >= limits.enrolmentsPending ? 'relay' : undefined;
    if (refuse) {
      this.ctx.log.warn({ refused: 'enrolment.limit', per: refuse }, 'refused');
      throw new RelayError('ENROLMENT_LIMIT', 'Too many enrolment requests are waiting. Ask your security officer to approve or clear the pending ones, then try again later.');
    }
    const requestId = randomBytes(6).toString('hex');
    fromAddress.set(requestId, now);
    await this.ctx.store.addEnrolment({ requestId, request, displayName: info.displayName, submittedMs: now });
    await this.ctx.audit('enrolment.requested', 'device', requestId, `user name "${info.displayName.slice(0, 80)}", device "${info.deviceName.slice(0, 80)}"`);
    return { requestId, fresh: true };
  }

  /** This address's unapproved requests within the window (the map is kept and added to). */
  private recentFrom(address: string, since: number): Map<string, number> {
    if (this.byAddress.size > 10_000) {
      for (const [a, requests] of this.byAddress) if (![...requests.values()].some((t) => t > since)) this.byAddress.delete(a);
    }
    const requests = this.byAddress.get(address) ?? new Map<string, number>();
    for (const [id, t] of requests) if (t <= since) requests.delete(id);
    this.byAddress.set(address, requests);
    return requests;
  }

  /**
   * The officer's nonce for a stored request: verified (org-signed, bound to this request's id and
   * hash), kept once, pushed to the waiting device. A second nonce for the same request is refused
   * so the comparison gets one try per request.
   */
  async issueNonce(requestId: string, nonceRecord: Uint8Array): Promise<void> {
    const e = await this.ctx.store.getEnrolment(requestId);
    if (!e || e.deviceCertificate) throw unknownRequest(requestId);
    this.ctx.trust.enrolmentCode(requestId, e.request, nonceRecord);
    if (!(await this.ctx.store.setEnrolmentNonce(requestId, nonceRecord))) {
      throw new RelayError('ENROLMENT_NONCE_ISSUED', `Request ${requestId} has its code already. Run "valise-admin pending" to see it.`);
    }
    const hash = createHash('sha256').update(e.request).digest('hex').slice(0, 16);
    await this.ctx.audit('enrolment.nonce-issued', 'org', requestId, `request sha256 ${hash}…`);
    for (const w of this.waiters.get(requestId) ?? []) w.nonceIssued(nonceRecord);
  }

  waitFor(requestId: string, w: EnrolmentWaiter): () => void {
    const set = this.waiters.get(requestId) ?? new Set();
    set.add(w);
    this.waiters.set(requestId, set);
    return () => {
      set.delete(w);
      if (set.size === 0 && this.waiters.get(requestId) === set) this.waiters.delete(requestId);
    };
  }

  async status(requestId: string): Promise<{ state: 'pending' | 'approved' | 'unknown'; device?: Uint8Array; member?: Uint8Array; nonceRecord?: Uint8Array }> {
    const e = await this.ctx.store.getEnrolment(requestId);
    if (!e) return { state: 'unknown' };
    if (!e.deviceCertificate || !e.userId) return { state: 'pending', ...(e.nonceRecord ? { nonceRecord: e.nonceRecord } : {}) };
    const m = await this.ctx.store.getMember(e.userId);
    return { state: 'approved', device: e.deviceCertificate, member: m?.certificate ?? new Uint8Array() };
  }

  async listPending(): Promise<PendingEnrolment[]> {
    const members = await this.ctx.store.listMembers();
    const out = [];
    for (const e of await this.ctx.store.listPendingEnrolments()) {
      const matches = members.filter((m) => m.displayName.toLowerCase() === e.displayName.toLowerCase() && !this.directory.isMemberRevoked(m.serial));
      const userId = matches.length === 1 ? matches[0]!.userId : '';
      const next = userId ? Math.max(0, ...(await this.ctx.store.listDevices(userId)).map((d) => d.deviceId)) + 1 : 0;
      out.push({ requestId: e.requestId, request: e.request, nonceRecord: e.nonceRecord ?? new Uint8Array(), submittedMs: e.submittedMs, matchedUserId: userId, nextDeviceId: next });
    }
    return out;
  }

  async approve(requestId: string, code: string, deviceCertificate: Uint8Array): Promise<void> {
    try {
      await this.certify(requestId, code, deviceCertificate);
    } catch (e) {
      // A wrong code has its own audit event (written where it is found).
      if (!(e instanceof RelayError && e.code === 'ENROLMENT_CODE_MISMATCH')) await this.ctx.refused('enrolment.approval.refused', 'org', requestId, e);
      throw e;
    }
  }

  private async certify(requestId: string, code: string, deviceCertificate: Uint8Array): Promise<void> {
    const e = await this.ctx.store.getEnrolment(requestId);
    if (!e || e.deviceCertificate) throw unknownRequest(requestId);
    if (!e.nonceRecord) {
      throw new RelayError('ENROLMENT_NOT_OPENED', `Request ${requestId} has no code yet. Run "valise-admin pending", then read the code on the device.`);
    }
    // The relay checks too (an honest relay refuses a wrong code), but the officer's tool is what
    // the security rests on: it recomputes the code from the bytes it certifies.
    if (code.trim() !== this.ctx.trust.enrolmentCode(requestId, e.request, e.nonceRecord)) {
      await this.ctx.audit('enrolment.code-mismatch', 'org', requestId, '');
      throw new RelayError('ENROLMENT_CODE_MISMATCH', 'The code does not match the one shown on the device. Check the device screen and try again.');
    }
    const cert = this.directory.verifyDeviceCertificate(deviceCertificate);
    const info = this.ctx.trust.readEnrolment(e.request);
    if (Buffer.compare(info.identityKey, cert.identityKey) !== 0) {
      throw new RelayError('CERTIFICATE_REFUSED', 'The device certificate is not for the key of this enrolment request.');
    }
    const member = await this.ctx.store.getMember(cert.userId);
    if (!member) throw new RelayError('UNKNOWN_USER', `No member ${cert.userId}. Add the user first with "valise-admin add-user".`);
    if (await this.ctx.store.getDevice(cert.userId, cert.deviceId)) {
      throw new RelayError('CERTIFICATE_REFUSED', `Device ${cert.deviceId} of ${cert.userId} exists already.`);
    }
    await this.directory.addDevice(cert, deviceCertificate);
    for (const requests of this.byAddress.values()) requests.delete(requestId);
    await this.ctx.store.completeEnrolment(requestId, cert.userId, deviceCertificate);
    await this.ctx.audit('enrolment.approved', 'org', `${cert.userId}:${cert.deviceId}`, `request ${requestId}, serial ${cert.serial}`);
    for (const w of this.waiters.get(requestId) ?? []) w.approved(deviceCertificate, member.certificate);
    this.waiters.delete(requestId);
  }
}
