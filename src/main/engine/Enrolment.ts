/**
 * Joining an organisation (DESIGN.md §4): create the profile and the device identity, send the
 * enrolment request, wait for the security officer (the relay pushes, and we also poll), show the
 * comparison code once the officer's org-signed nonce names exactly our request, and finish with
 * the certificates the officer issued — checked against the org root and our own identity key.
 */
import os from 'node:os';
import type { Logger } from 'pino';
import {
  createEnrolmentRequest,
  enrolmentCode,
  generateDeviceIdentity,
  orgIdentity,
  readDeviceCertificate,
  readMemberCertificate,
} from '../../crypto/index.ts';
import type { RelayClient } from '../../relay/RelayClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiInput, ApiResult } from '../../shared/api/methods.ts';
import type { Clock } from './Clock.ts';
import { ApiError, toApiError } from './errors.ts';
import { parseOrgConfig, type OrgConfig } from './OrgConfig.ts';
import type { ProfileStore } from './ProfileStore.ts';
import type { MeRecord } from './Session.ts';

export interface EnrolmentDeps {
  profile: ProfileStore;
  clock: Clock;
  log: Logger;
  emit: (e: ApiEvent) => void;
  /** Opens a connection to the organisation's relay (unauthenticated). */
  connect: (org: OrgConfig) => Promise<RelayClient>;
  /** Runs a lifecycle change in turn with the others. */
  serial: <T>(f: () => Promise<T>) => Promise<T>;
  /** Approved and recorded: start the session. */
  opened: () => Promise<void>;
  /** Whether a session runs (then the enrolment is over). */
  sessionOpen: () => boolean;
  deviceName?: string;
  /** How often approval is polled while waiting (ms). */
  pollMs?: number;
}

export class Enrolment {
  private timer: ReturnType<typeof setInterval> | null = null;
  private client: RelayClient | null = null;

  constructor(private readonly d: EnrolmentDeps) {}

  get deviceName(): string {
    return this.d.deviceName ?? os.hostname();
  }

  /** First run: a new profile that asks to join the organisation described by org.json. */
  async join(input: ApiInput<'joinOrganisation'>): Promise<ApiResult<'joinOrganisation'>> {
    const profile = this.d.profile;
    const org = parseOrgConfig(input.orgJson, input.relayUrl);
    await profile.create(input.keyProvider, input.passphrase);
    const identity = generateDeviceIdentity();
    profile.saveIdentity(identity);
    profile.setOrg(org);
    profile.writeMeta({ version: 1, keyProvider: input.keyProvider, orgName: org.name, local: org.local, state: 'enrolling' });
    const req = createEnrolmentRequest({
      orgId: org.orgId,
      userName: input.displayName,
      deviceName: this.deviceName,
      identity: identity.identityKeyPair,
      registrationId: identity.registrationId,
      nowMs: this.d.clock.now(),
    });
    let submitted;
    try {
      const c = await this.d.connect(org);
      submitted = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
      this.client = c;
    } catch (e) {
      // Nothing usable was created: start over cleanly next time.
      await profile.erase();
      throw toApiError(e);
    }
    profile.setEnrolment({ requestId: submitted.requestId, code: null, request: Buffer.from(req.encoded).toString('hex'), displayName: input.displayName, state: 'pending' });
    this.watch();
    return { comparisonCode: null, requestId: submitted.requestId };
  }

  status(): ApiResult<'enrolmentStatus'> {
    const e = this.d.profile.enrolment();
    if (this.d.sessionOpen()) return { state: 'approved', comparisonCode: e?.code ?? null };
    return { state: e?.state ?? 'none', comparisonCode: e?.code ?? null };
  }

  /** Waits for the security officer's approval: the relay pushes it, and we also poll. */
  watch(): void {
    const store = this.d.profile.store;
    if (!store || this.timer) return;
    const enrolment = this.d.profile.enrolment();
    if (!enrolment) return;
    const org = this.d.profile.org();
    let inFlight = false;
    const poll = async () => {
      if (inFlight || this.d.profile.store !== store) return;
      inFlight = true;
      try {
        this.client ??= await this.d.connect(org);
        const s = await this.client.request({ case: 'pollEnrolment', value: { requestId: enrolment.requestId } }, 'enrolmentStatus');
        if (s.state === 2) await this.d.serial(() => this.finish(s.deviceCertificate, s.memberCertificate));
        else if (s.state === 3) this.rejected();
        else if (s.nonceRecord.length > 0) this.codeArrived(s.nonceRecord);
      } catch (e) {
        this.d.log.info({ err: toApiError(e).toLog() }, 'enrolment poll failed');
        this.client?.kill();
        this.client = null;
      } finally {
        inFlight = false;
      }
    };
    this.timer = setInterval(() => void poll(), this.d.pollMs ?? 1000);
    this.timer.unref?.();
    void poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.client?.kill();
    this.client = null;
  }

  /**
   * The security officer opened our request: derive the code from OUR request bytes and the
   * org-signed nonce, which must name exactly those bytes. A nonce the relay made up, or one issued
   * for a request it substituted, is ignored, so no code shows and the officer never approves it.
   */
  codeArrived(nonceRecord: Uint8Array): void {
    const profile = this.d.profile;
    const e = profile.enrolment();
    if (!e || e.code || e.state !== 'pending') return;
    const org = profile.org();
    let code: string;
    try {
      const root = orgIdentity(org.orgId, org.orgPublicKey).rootPublicKey;
      code = enrolmentCode(root, { orgId: org.orgId, requestId: e.requestId, request: Buffer.from(e.request, 'hex') }, nonceRecord);
    } catch (err) {
      this.d.log.warn({ err: toApiError(err).toLog() }, 'enrolment nonce not for this request; ignored');
      return;
    }
    profile.setEnrolment({ ...e, code });
    this.d.emit({ type: 'enrolment', state: 'code' });
  }

  private rejected(): void {
    const profile = this.d.profile;
    if (!profile.store) return;
    const e = profile.enrolment();
    if (e) profile.setEnrolment({ ...e, state: 'rejected' });
    this.stop();
    this.d.emit({ type: 'enrolment', state: 'rejected' });
  }

  /**
   * The officer approved: the certificates must verify against the org root, name one user and
   * carry our own identity key; then the profile is ready and the session starts.
   */
  async finish(deviceCertificate: Uint8Array, memberCertificate: Uint8Array): Promise<void> {
    const profile = this.d.profile;
    if (!profile.store || this.d.sessionOpen()) return;
    const org = profile.org();
    const identity = orgIdentity(org.orgId, org.orgPublicKey);
    const dev = readDeviceCertificate(deviceCertificate, identity);
    const mem = readMemberCertificate(memberCertificate, identity);
    const mine = await profile.loadIdentity();
    if (!dev.identityKey.equals(mine.identityKeyPair.publicKey) || dev.userId !== mem.userId) throw new ApiError('ENROLMENT_REJECTED');
    const enrolment = profile.enrolment();
    const me: MeRecord = {
      userId: dev.userId,
      deviceId: dev.deviceId,
      displayName: mem.displayName || enrolment?.displayName || dev.userId,
      clearance: mem.clearance,
      orgRoles: mem.roles,
      deviceCertificate: Buffer.from(deviceCertificate).toString('hex'),
      memberCertificate: Buffer.from(memberCertificate).toString('hex'),
    };
    profile.approved(me);
    const store = profile.need();
    await store.repos.records.saveMemberCertificate(mem.userId, memberCertificate);
    await store.repos.records.saveDeviceCertificate(dev.userId, dev.deviceId, deviceCertificate);
    profile.writeMeta({ ...profile.meta()!, state: 'ready' });
    this.stop();
    await this.d.opened();
    this.d.emit({ type: 'enrolment', state: 'approved' });
  }
}
