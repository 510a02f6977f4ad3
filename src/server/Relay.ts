/**
 * The relay service (DESIGN.md §7): directory, enrolment, prekeys, per-device queues, channel
 * fan-out and audit. Protocol framing lives in RelayConnection; durable state in a RelayStore;
 * every signature check in RelayTrust (the crypto layer). Refusals are RelayErrors.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { hex } from '../base/hex.ts';
import { RelayError } from '../relay/errors.ts';
import type { DeviceAddress, DeviceRecord, QueueItem, QueueItemKind, QueuedItem, RelayStore } from './store/RelayStore.ts';
import type { ChannelView, DeviceCertInfo, RelayTrust } from './trust/RelayTrust.ts';

export interface RelayLimits {
  maxFrameBytes: number;
  requestsPerSecond: number;
  requestBurst: number;
  connectionsPerDevice: number;
  maxQueueDepth: number;
  /** Upper bound on how long an undelivered item waits, whatever the envelope asks. */
  maxQueueAgeMs: number;
  /**
   * Pushed but unacknowledged items per connection. A device acknowledges a batch only once it is
   * committed and on its disk, so the window must cover that round trip at a full catch-up's pace
   * (a few thousand messages a second × tens of milliseconds), or the catch-up waits on it.
   */
  deliveryWindow: number;
  prekeysLowThreshold: number;
  handshakeTimeoutMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameBytes: 256 * 1024,
  requestsPerSecond: 200,
  requestBurst: 1000,
  connectionsPerDevice: 4,
  maxQueueDepth: 10_000,
  maxQueueAgeMs: 30 * 24 * 3600 * 1000,
  deliveryWindow: 1024,
  prekeysLowThreshold: 10,
  handshakeTimeoutMs: 10_000,
};

/** A connection as the relay sees it: where to push, how to cut it. */
export interface DeviceSink {
  readonly device: DeviceAddress;
  /** Newly placed items for this device (already persisted). */
  wake(items: QueuedItem[]): void;
  pushPrekeysLow(counts: { oneTime: number; oneTimeKyber: number }): void;
  cut(code: 'AUTH_REVOKED', message: string): void;
  resume(): void;
}

export interface EnrolmentWaiter {
  /** The officer opened the request: the device can now derive and show its code. */
  nonceIssued(nonceRecord: Uint8Array): void;
  approved(deviceCertificate: Uint8Array, memberCertificate: Uint8Array): void;
}

const devKey = (d: DeviceAddress): string => `${d.userId}\u0000${d.deviceId}`;

export class Relay {
  private readonly sinks = new Map<string, DeviceSink[]>();
  private readonly waiters = new Map<string, Set<EnrolmentWaiter>>();
  private readonly channels = new Map<string, ChannelView>();
  /** The signed record behind each view in `channels` (what ListChannels returns). */
  private readonly channelStates = new Map<string, Uint8Array>();
  /** Every user a channel's state has ever listed: who may still read its chain. */
  private readonly everMembers = new Map<string, Set<string>>();
  private readonly wiped = new Set<string>();
  private revocations: Uint8Array[] = [];
  private readonly deviceCache = new Map<string, DeviceRecord[]>();

  constructor(
    readonly store: RelayStore,
    readonly trust: RelayTrust,
    readonly limits: RelayLimits,
    readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async init(): Promise<void> {
    // Revocations first, so that revoked certificates never enter the trust view.
    for (const r of await this.store.listRevocations()) this.noteRevocation(r.revocation);
    for (const m of await this.store.listMembers()) this.trust.learnMember(m.certificate);
    for (const d of await this.store.listDevices()) this.trust.learnDevice(d.certificate);
    for (const id of await this.store.listWipedChannelIds()) this.wiped.add(hex(id));
    for (const id of await this.store.listChannelIds()) {
      const rec = await this.store.getChannel(id);
      let view: ChannelView | undefined;
      // A change that no longer verifies today (e.g. its signer was revoked since) ends the replay.
      for (const change of rec?.changes ?? []) {
        try {
          view = this.trust.applyChannelChange(view, change, this.now());
        } catch {
          break;
        }
        this.noteChannel(view, change);
      }
    }
  }

  // ---- connections ----

  attach(sink: DeviceSink): void {
    const k = devKey(sink.device);
    const list = this.sinks.get(k) ?? [];
    if (list.length >= this.limits.connectionsPerDevice) {
      throw new RelayError('TOO_MANY_CONNECTIONS', `This device already has ${list.length} open connections to the relay. Close one and try again.`);
    }
    list.push(sink);
    this.sinks.set(k, list);
  }

  detach(sink: DeviceSink): void {
    const k = devKey(sink.device);
    const list = (this.sinks.get(k) ?? []).filter((s) => s !== sink);
    if (list.length === 0) this.sinks.delete(k);
    else this.sinks.set(k, list);
  }

  handover(device: DeviceAddress): void {
    const list = this.sinks.get(devKey(device));
    list?.[list.length - 1]?.resume();
  }

  /** Only the newest connection of a device receives pushes, so nothing is delivered twice at once. */
  isPrimary(sink: DeviceSink): boolean {
    const list = this.sinks.get(devKey(sink.device));
    return list !== undefined && list[list.length - 1] === sink;
  }

  connectedDevices(): number {
    return this.sinks.size;
  }

  // ---- authentication ----

  async authenticateDevice(certificate: Uint8Array, challenge: Uint8Array, signature: Uint8Array): Promise<DeviceCertInfo> {
    const cert = this.trust.verifyDeviceCertificate(certificate, this.now());
    const member = await this.store.getMember(cert.userId);
    if (!member) throw new RelayError('AUTH_UNSANCTIONED', 'This device belongs to no known member of the organisation. Ask your security officer.');
    if (this.isMemberRevoked(member.serial)) {
      throw new RelayError('AUTH_REVOKED', 'Your membership of the organisation was revoked. Ask your security officer.');
    }
    const known = await this.store.getDevice(cert.userId, cert.deviceId);
    if (!known || Buffer.compare(known.certificate, certificate) !== 0) {
      // A certificate the relay never saw approved (e.g. an older one replaced since).
      throw new RelayError('AUTH_UNSANCTIONED', 'This device certificate is not the one on record. Enrol the device again.');
    }
    if (!this.trust.verifyDeviceChallenge(cert, challenge, signature)) {
      throw new RelayError('AUTH_BAD_SIGNATURE', 'The device could not prove it holds its identity key. Enrol the device again.');
    }
    return cert;
  }

  authenticateAdmin(challenge: Uint8Array, signature: Uint8Array): void {
    if (!this.trust.verifyAdminChallenge(challenge, signature)) {
      throw new RelayError('AUTH_BAD_SIGNATURE', 'The request was not signed by the organisation root key of this relay.');
    }
  }

  // ---- enrolment ----

  async submitEnrolment(request: Uint8Array): Promise<{ requestId: string }> {
    const info = this.trust.readEnrolment(request);
    const requestId = randomBytes(6).toString('hex');
    await this.store.addEnrolment({ requestId, request, displayName: info.displayName, submittedMs: this.now() });
    await this.audit('enrolment.requested', 'device', requestId, `user name "${info.displayName.slice(0, 80)}", device "${info.deviceName.slice(0, 80)}"`);
    return { requestId };
  }

  /**
   * The officer's nonce for a stored request: verified (org-signed, bound to this request's id and
   * hash), kept once, pushed to the waiting device. A second nonce for the same request is refused
   * so the comparison gets one try per request.
   */
  async issueEnrolmentNonce(requestId: string, nonceRecord: Uint8Array): Promise<void> {
    const e = await this.store.getEnrolment(requestId);
    if (!e || e.deviceCertificate) throw new RelayError('ENROLMENT_UNKNOWN', `No pending enrolment request ${requestId}. Run "valise-admin pending".`);
    this.trust.enrolmentCode(requestId, e.request, nonceRecord);
    if (!(await this.store.setEnrolmentNonce(requestId, nonceRecord))) {
      throw new RelayError('ENROLMENT_NONCE_ISSUED', `Request ${requestId} has its code already. Run "valise-admin pending" to see it.`);
    }
    const hash = createHash('sha256').update(e.request).digest('hex').slice(0, 16);
    await this.audit('enrolment.nonce-issued', 'org', requestId, `request sha256 ${hash}…`);
    for (const w of this.waiters.get(requestId) ?? []) w.nonceIssued(nonceRecord);
  }

  waitForEnrolment(requestId: string, w: EnrolmentWaiter): () => void {
    const set = this.waiters.get(requestId) ?? new Set();
    set.add(w);
    this.waiters.set(requestId, set);
    return () => set.delete(w);
  }

  async enrolmentStatus(requestId: string): Promise<{ state: 'pending' | 'approved' | 'unknown'; device?: Uint8Array; member?: Uint8Array; nonceRecord?: Uint8Array }> {
    const e = await this.store.getEnrolment(requestId);
    if (!e) return { state: 'unknown' };
    if (!e.deviceCertificate || !e.userId) return { state: 'pending', ...(e.nonceRecord ? { nonceRecord: e.nonceRecord } : {}) };
    const m = await this.store.getMember(e.userId);
    return { state: 'approved', device: e.deviceCertificate, member: m?.certificate ?? new Uint8Array() };
  }

  async listPending(): Promise<{ requestId: string; request: Uint8Array; nonceRecord: Uint8Array; submittedMs: number; matchedUserId: string; nextDeviceId: number }[]> {
    const members = await this.store.listMembers();
    const out = [];
    for (const e of await this.store.listPendingEnrolments()) {
      const matches = members.filter((m) => m.displayName.toLowerCase() === e.displayName.toLowerCase() && !this.isMemberRevoked(m.serial));
      const userId = matches.length === 1 ? matches[0]!.userId : '';
      const next = userId ? Math.max(0, ...(await this.store.listDevices(userId)).map((d) => d.deviceId)) + 1 : 0;
      out.push({ requestId: e.requestId, request: e.request, nonceRecord: e.nonceRecord ?? new Uint8Array(), submittedMs: e.submittedMs, matchedUserId: userId, nextDeviceId: next });
    }
    return out;
  }

  async approveEnrolment(requestId: string, code: string, deviceCertificate: Uint8Array): Promise<void> {
    const e = await this.store.getEnrolment(requestId);
    if (!e || e.deviceCertificate) throw new RelayError('ENROLMENT_UNKNOWN', `No pending enrolment request ${requestId}. Run "valise-admin pending".`);
    if (!e.nonceRecord) {
      throw new RelayError('ENROLMENT_NOT_OPENED', `Request ${requestId} has no code yet. Run "valise-admin pending", then read the code on the device.`);
    }
    // The relay checks too (an honest relay refuses a wrong code), but the officer's tool is what
    // the security rests on: it recomputes the code from the bytes it certifies.
    if (code.trim() !== this.trust.enrolmentCode(requestId, e.request, e.nonceRecord)) {
      await this.audit('enrolment.code-mismatch', 'org', requestId, '');
      throw new RelayError('ENROLMENT_CODE_MISMATCH', 'The code does not match the one shown on the device. Check the device screen and try again.');
    }
    const cert = this.verifyCert(deviceCertificate);
    const info = this.trust.readEnrolment(e.request);
    if (Buffer.compare(info.identityKey, cert.identityKey) !== 0) {
      throw new RelayError('CERTIFICATE_REFUSED', 'The device certificate is not for the key of this enrolment request.');
    }
    const member = await this.store.getMember(cert.userId);
    if (!member) throw new RelayError('UNKNOWN_USER', `No member ${cert.userId}. Add the user first with "valise-admin add-user".`);
    if (await this.store.getDevice(cert.userId, cert.deviceId)) {
      throw new RelayError('CERTIFICATE_REFUSED', `Device ${cert.deviceId} of ${cert.userId} exists already.`);
    }
    await this.store.putDevice({ ...cert, serial: BigInt(cert.serial), certificate: deviceCertificate });
    this.trust.learnDevice(deviceCertificate);
    this.deviceCache.delete(cert.userId);
    await this.store.completeEnrolment(requestId, cert.userId, deviceCertificate);
    await this.audit('enrolment.approved', 'org', `${cert.userId}:${cert.deviceId}`, `request ${requestId}, serial ${cert.serial}`);
    for (const w of this.waiters.get(requestId) ?? []) w.approved(deviceCertificate, member.certificate);
    this.waiters.delete(requestId);
  }

  private verifyCert(bytes: Uint8Array): DeviceCertInfo {
    try {
      return this.trust.verifyDeviceCertificate(bytes, this.now());
    } catch (e) {
      throw new RelayError('CERTIFICATE_REFUSED', 'The device certificate does not verify against the organisation key.', { cause: e });
    }
  }

  // ---- directory ----

  async publishMember(bytes: Uint8Array): Promise<void> {
    const m = this.trust.verifyMemberCertificate(bytes, this.now());
    const prev = await this.store.getMember(m.userId);
    if (prev && prev.serial >= BigInt(m.serial)) {
      throw new RelayError('CERTIFICATE_REFUSED', 'A newer certificate of this member is on record already; issue one with a higher serial.');
    }
    await this.store.putMember({ ...m, serial: BigInt(m.serial), certificate: bytes });
    this.trust.learnMember(bytes);
    this.deviceCache.delete(m.userId);
    if (!prev) await this.audit('member.added', 'org', m.userId, `clearance ${m.clearance}, roles ${m.roles.join(' ')}`);
    else if (prev.clearance !== m.clearance) await this.audit('clearance.changed', 'org', m.userId, `${prev.clearance} -> ${m.clearance}`);
    else await this.audit('member.updated', 'org', m.userId, `roles ${m.roles.join(' ')}`);
  }

  async publishRevocation(bytes: Uint8Array): Promise<void> {
    const r = this.trust.verifyRevocation(bytes);
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
    await this.audit(r.target === 'device' ? 'device.revoked' : 'user.revoked', 'org', subject, `serial ${r.serial}`);
    for (const d of cut) {
      for (const s of [...(this.sinks.get(devKey(d)) ?? [])]) s.cut('AUTH_REVOKED', 'This device was revoked by the security officer.');
    }
    // Every other device learns of it, so peers stop trusting the revoked key.
    const everyone = (await this.store.listDevices()).filter((d) => !cut.some((c) => c.userId === d.userId && c.deviceId === d.deviceId));
    await this.place(everyone, { id: digest(bytes), kind: 'revocation', channelId: new Uint8Array(), payload: bytes, expiresMs: this.now() + this.limits.maxQueueAgeMs });
  }

  private noteRevocation(bytes: Uint8Array): void {
    this.trust.learnRevocation(bytes);
    this.deviceCache.clear();
    this.revocations.push(bytes);
  }

  private isMemberRevoked(serial: bigint): boolean {
    return this.trust.isRevoked('member', Number(serial));
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
  private async liveDevicesOf(userId: string): Promise<DeviceAddress[]> {
    let cached = this.deviceCache.get(userId);
    if (!cached) {
      const m = await this.store.getMember(userId);
      cached = !m || this.isMemberRevoked(m.serial) ? [] : (await this.store.listDevices(userId)).filter((d) => !this.trust.isRevoked('device', Number(d.serial)));
      this.deviceCache.set(userId, cached);
    }
    const now = this.now();
    return cached.filter((d) => d.notAfterMs > now);
  }

  // ---- prekeys ----

  async fetchPrekeys(userId: string): Promise<{ deviceId: number; certificate: Uint8Array; bundle: NonNullable<Awaited<ReturnType<RelayStore['takeBundle']>>> }[]> {
    const member = await this.store.getMember(userId);
    if (!member || this.isMemberRevoked(member.serial)) throw new RelayError('UNKNOWN_USER', `No member ${userId} in this organisation.`);
    const out = [];
    for (const d of await this.liveDevicesOf(userId)) {
      const bundle = await this.store.takeBundle(d);
      if (!bundle) continue;
      const rec = await this.store.getDevice(d.userId, d.deviceId);
      out.push({ deviceId: d.deviceId, certificate: rec!.certificate, bundle });
      const counts = await this.store.countPrekeys(d);
      if (counts.oneTime < this.limits.prekeysLowThreshold || counts.oneTimeKyber < this.limits.prekeysLowThreshold) {
        for (const s of this.sinks.get(devKey(d)) ?? []) s.pushPrekeysLow(counts);
      }
    }
    if (out.length === 0) throw new RelayError('NO_PREKEYS', `No device of ${userId} has published prekeys yet. Try again once they have been online.`);
    return out;
  }

  // ---- sending ----

  async send(from: DeviceAddress, envelopeBytes: Uint8Array): Promise<number> {
    const env = this.trust.readEnvelope(envelopeBytes);
    if (env.sender.userId !== from.userId || env.sender.deviceId !== from.deviceId) {
      throw new RelayError('FORBIDDEN', 'The envelope names another sender than this device.');
    }
    let targets: DeviceAddress[];
    let lifetime = 0;
    if (env.channelId.length > 0) {
      const ch = this.channelOrThrow(env.channelId);
      this.requireSendable(ch, from.userId);
      lifetime = ch.messageLifetimeMs;
      if (env.recipient) {
        if (!ch.memberUserIds.includes(env.recipient.userId)) throw new RelayError('NOT_A_MEMBER', 'The recipient is not a member of this channel.');
        targets = (await this.liveDevicesOf(env.recipient.userId)).filter((d) => d.deviceId === env.recipient!.deviceId);
      } else {
        targets = [];
        for (const u of ch.memberUserIds) targets.push(...(await this.liveDevicesOf(u)));
      }
    } else {
      if (!env.recipient) throw new RelayError('BAD_REQUEST', 'An envelope needs a channel or a recipient.');
      targets = (await this.liveDevicesOf(env.recipient.userId)).filter((d) => d.deviceId === env.recipient!.deviceId);
    }
    targets = targets.filter((d) => !(d.userId === from.userId && d.deviceId === from.deviceId));
    if (targets.length === 0) {
      // A channel fan-out with nobody else enrolled yet (a lead alone in a new channel) is taken: it
      // reaches no one, as the answer of 0 recipients says. A 1:1 envelope needs its device.
      if (env.channelId.length > 0 && !env.recipient) return 0;
      throw new RelayError('UNKNOWN_USER', 'No sanctioned device to deliver this envelope to.');
    }
    const now = this.now();
    let expires = now + this.limits.maxQueueAgeMs;
    if (env.expiresAtMs > 0) expires = Math.min(expires, env.expiresAtMs);
    if (lifetime > 0) expires = Math.min(expires, now + lifetime);
    const item: QueueItem = { id: env.id, kind: 'envelope', channelId: env.channelId, payload: envelopeBytes, expiresMs: expires, sentAtMs: env.sentAtMs };
    const r = await this.place(targets, item, expires);
    if (r.duplicate) return 0;
    if (r.full > 0) {
      throw new RelayError('QUEUE_FULL', `The queue of ${r.full} recipient device(s) is full; they have been offline too long. The others received it.`);
    }
    return r.placed;
  }

  private channelOrThrow(channelId: Uint8Array): ChannelView {
    const k = hex(channelId);
    if (this.wiped.has(k)) throw new RelayError('CHANNEL_WIPED', 'This channel was wiped.');
    const ch = this.channels.get(k);
    if (!ch) throw new RelayError('CHANNEL_UNKNOWN', 'The relay knows no such channel. Publish its state first.');
    if (ch.status === 'wiped') throw new RelayError('CHANNEL_WIPED', 'This channel was wiped.');
    return ch;
  }

  private requireSendable(ch: ChannelView, userId: string): void {
    if (!ch.memberUserIds.includes(userId)) throw new RelayError('NOT_A_MEMBER', 'You are not a member of this channel.');
    if (ch.status === 'paused') throw new RelayError('CHANNEL_PAUSED', 'This channel is paused; nobody can send until a lead resumes it.');
  }

  /** Persists one item for each device, wakes the connected ones, and returns once it is durable. */
  private async place(to: DeviceAddress[], item: QueueItem, dedupeUntilMs?: number): Promise<{ placed: number; full: number; duplicate: boolean }> {
    if (to.length === 0) return { placed: 0, full: 0, duplicate: false };
    // Every item id is remembered relay-wide, so nothing is ever queued twice for a device.
    const r = await this.store.enqueue(to, item, this.limits.maxQueueDepth, dedupeUntilMs ?? item.expiresMs);
    // Recipients get it at once; the caller (and so the sender) only once it is on stable storage.
    for (const p of r.placed) {
      for (const s of this.sinks.get(devKey(p.to)) ?? []) if (this.isPrimary(s)) s.wake([p.item]);
    }
    await r.durable;
    return { placed: r.placed.length, full: r.full.length, duplicate: r.duplicate };
  }

  // ---- channels ----

  async publishChannelChange(from: DeviceAddress, change: Uint8Array): Promise<void> {
    const probe = this.trust.applyChannelChange(this.channelPeek(change), change, this.now());
    const k = hex(probe.channelId);
    if (this.wiped.has(k)) throw new RelayError('CHANNEL_WIPED', 'This channel was wiped; create a new one.');
    const prev = this.channels.get(k);
    await this.store.appendChannelChange(probe.channelId, change);
    this.noteChannel(probe, change);
    const event = !prev ? 'channel.created' : probe.status === 'wiped' ? 'channel.wiped'
      : probe.status === 'paused' && prev.status !== 'paused' ? 'channel.paused'
      : prev.status === 'paused' && probe.status === 'active' ? 'channel.resumed' : 'channel.changed';
    // A state that says "wiped" is a wipe too: queued envelopes go before the state is queued.
    const dropped = probe.status === 'wiped' ? await this.dropChannel(probe.channelId) : 0;
    await this.audit(event, `${from.userId}:${from.deviceId}`, hex(probe.channelId),
      `epoch ${probe.epoch}, ${probe.memberUserIds.length} members${probe.status === 'wiped' ? `, ${dropped} queued items dropped` : ''}`);
    const users = new Set([...probe.memberUserIds, ...(prev?.memberUserIds ?? [])]);
    const to: DeviceAddress[] = [];
    for (const u of users) to.push(...(await this.liveDevicesOf(u)));
    await this.place(to.filter((d) => !(d.userId === from.userId && d.deviceId === from.deviceId)), {
      id: digest(change), kind: 'channel-change', channelId: probe.channelId, payload: change, expiresMs: this.now() + this.limits.maxQueueAgeMs,
    });
  }

  /** The current state of the channel a change is for; the change is verified against it by the caller. */
  private channelPeek(change: Uint8Array): ChannelView | undefined {
    return this.channels.get(hex(this.trust.channelIdOf(change)));
  }

  private noteChannel(view: ChannelView, change: Uint8Array): void {
    const k = hex(view.channelId);
    this.channels.set(k, view);
    this.channelStates.set(k, change);
    const ever = this.everMembers.get(k) ?? new Set<string>();
    for (const u of view.memberUserIds) ever.add(u);
    this.everMembers.set(k, ever);
  }

  /**
   * The chain of a channel, for a device whose user is or was a member (a removed member still
   * verifies the change that removed it) or for a security officer (who may pause or wipe any
   * channel). Anyone else learns nothing, not even that the channel exists.
   */
  async channelChanges(from: DeviceAddress, channelId: Uint8Array): Promise<Uint8Array[]> {
    this.channelOrThrow(channelId);
    if (!this.everMembers.get(hex(channelId))?.has(from.userId) && !(await this.isSecurityOfficer(from.userId))) {
      throw new RelayError('CHANNEL_UNKNOWN', 'The relay knows no such channel. Publish its state first.');
    }
    return (await this.store.getChannel(channelId))?.changes ?? [];
  }

  /**
   * Live channels with their current signed state: all of them for a security officer, else only
   * those whose current state lists the device's user (never FORBIDDEN: an engine may call this
   * to recover its own channels).
   */
  async listChannels(from: DeviceAddress): Promise<{ channelId: Uint8Array; state: Uint8Array }[]> {
    const officer = await this.isSecurityOfficer(from.userId);
    const out = [];
    for (const [k, view] of this.channels) {
      if (view.status === 'wiped' || (!officer && !view.memberUserIds.includes(from.userId))) continue;
      out.push({ channelId: view.channelId, state: this.channelStates.get(k)! });
    }
    return out;
  }

  /** An unrevoked member whose member certificate carries the security-officer role. */
  async isSecurityOfficer(userId: string): Promise<boolean> {
    const m = await this.store.getMember(userId);
    return m !== undefined && !this.isMemberRevoked(m.serial) && m.roles.includes('security-officer');
  }

  async wipe(from: DeviceAddress, wipe: Uint8Array): Promise<number> {
    const id = this.trust.wipeChannelIdOf(wipe);
    const ch = this.channelOrThrow(id);
    this.trust.verifyWipe(ch, wipe, this.now());
    const dropped = await this.dropChannel(ch.channelId);
    const to: DeviceAddress[] = [];
    for (const u of ch.memberUserIds) to.push(...(await this.liveDevicesOf(u)));
    await this.place(to.filter((d) => !(d.userId === from.userId && d.deviceId === from.deviceId)), {
      id: digest(wipe), kind: 'wipe', channelId: ch.channelId, payload: wipe, expiresMs: this.now() + this.limits.maxQueueAgeMs,
    });
    await this.audit('channel.wiped', `${from.userId}:${from.deviceId}`, hex(ch.channelId), `${dropped} queued items dropped, ${to.length} devices`);
    return to.length;
  }

  private async dropChannel(channelId: Uint8Array): Promise<number> {
    this.wiped.add(hex(channelId));
    this.channels.delete(hex(channelId));
    this.channelStates.delete(hex(channelId));
    return this.store.wipeChannel(channelId);
  }

  // ---- queues and audit ----

  async expire(): Promise<number> {
    return this.store.expire(this.now());
  }

  async audit(event: string, actor: string, subject: string, detail: string): Promise<void> {
    await this.store.appendAudit({ atMs: this.now(), event, actor, subject, detail });
    this.log.info({ audit: event, actor, subject }, 'audit');
  }
}

export function digest(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(b).digest().subarray(0, 16));
}

export type { QueueItemKind };
