/**
 * An organisation started on this machine (no security office elsewhere): its root key lives in
 * the profile, its relay runs embedded on loopback, and the person who started it is its security
 * officer and first lead — enrolled by this machine exactly as valise-admin would enrol them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  createEnrolmentRequest,
  enrolmentCode,
  generateDeviceIdentity,
  generateOrgRootKey,
  issueDeviceCertificate,
  issueEnrolmentNonce,
  issueMemberCertificate,
  signAdminChallenge,
} from '../../crypto/index.ts';
import type { EmbeddedRelay as RunningRelay, StartEmbeddedRelay } from '../../relay/EmbeddedRelay.ts';
import { RelayClient } from '../../relay/RelayClient.ts';
import type { ApiInput, ApiResult } from '../../shared/api/methods.ts';
import type { Status } from '../../shared/api/schemas.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import type { Clock } from './Clock.ts';
import type { Enrolment } from './Enrolment.ts';
import { ApiError } from './errors.ts';
import { LocalOfficer } from './LocalOfficer.ts';
import { serializeOrgConfig, type OrgConfig } from './OrgConfig.ts';
import type { ProfileStore } from './ProfileStore.ts';
import type { Session } from './Session.ts';
import { userIdFromDisplayName } from './userIdFromDisplayName.ts';

export interface LocalOrganisationDeps {
  profile: ProfileStore;
  clock: Clock;
  log: Logger;
  /** Finishes the officer's own enrolment (certificates checked, session started). */
  enrolment: Enrolment;
  status: () => Status;
  /** Starts the relay of a local organisation (the server's `startRelay`, passed by the composition root). */
  startRelay: StartEmbeddedRelay;
}

const YEAR = 365 * 86_400_000;

export class LocalOrganisation {
  private relay: RunningRelay | null = null;

  constructor(private readonly d: LocalOrganisationDeps) {}

  /** Starts the embedded relay on the port it had before (or any free one), and points org.json at it. */
  async startRelay(): Promise<RunningRelay> {
    if (this.relay) return this.relay;
    const profile = this.d.profile;
    const cfg = profile.org();
    const port = profile.localRelayPort();
    const root = profile.localRoot()!;
    const start = (p: number) =>
      this.d.startRelay({ orgId: cfg.orgId, orgPublicKey: root.publicKey.serialize(), host: '127.0.0.1', port: p, dataDir: path.join(profile.dir, 'relay'), logger: this.d.log });
    let relay: RunningRelay;
    try {
      relay = await start(port);
    } catch {
      relay = await start(0);
    }
    profile.setLocalRelayPort(relay.port);
    if (cfg.relayUrl !== relay.url) profile.setOrg({ ...cfg, relayUrl: relay.url });
    this.relay = relay;
    return relay;
  }

  async stopRelay(): Promise<void> {
    await this.relay?.close();
    this.relay = null;
  }

  /** First run: a new organisation with this machine as its relay and this person as its officer. */
  async start(input: ApiInput<'startLocalOrganisation'>): Promise<ApiResult<'startLocalOrganisation'>> {
    const profile = this.d.profile;
    await profile.create(input.keyProvider, input.passphrase);
    const root = generateOrgRootKey();
    const orgId = `local-${Buffer.from(root.publicKey.serialize().subarray(1, 7)).toString('hex')}`;
    fs.mkdirSync(path.join(profile.dir, 'relay'), { recursive: true, mode: 0o700 });
    profile.setLocalRoot(root);
    const cfg: OrgConfig = {
      orgId,
      name: input.orgName,
      orgPublicKey: root.publicKey.serialize(),
      relayUrl: 'ws://127.0.0.1:0',
      relayPinSha256: null,
      classifications: [...DEFAULT_CLASSIFICATIONS],
      recordsUserId: null,
      local: true,
    };
    profile.setOrg(cfg);
    const relay = await this.startRelay();
    const org = profile.org();
    const identity = generateDeviceIdentity();
    profile.saveIdentity(identity);

    const now = this.d.clock.now();
    const userId = userIdFromDisplayName(input.displayName);
    const top = Math.max(...org.classifications.map((c) => c.level));
    const member = issueMemberCertificate(root.privateKey, {
      orgId, serial: 1, userId, displayName: input.displayName, clearance: top, roles: ['security-officer', 'lead'], notBeforeMs: now - 86_400_000, notAfterMs: now + 5 * YEAR,
    });
    const admin = await RelayClient.connect(relay.url);
    try {
      await admin.authenticateAdmin((ch) => signAdminChallenge(root.privateKey, ch));
      await admin.request({ case: 'publishMember', value: { memberCertificate: member } }, 'ok');
      const req = createEnrolmentRequest({ orgId, userName: input.displayName, deviceName: this.d.enrolment.deviceName, identity: identity.identityKeyPair, registrationId: identity.registrationId, nowMs: now });
      const c = await RelayClient.connect(relay.url);
      const submitted = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
      await c.close();
      // This machine is the officer too: it opens its own request like valise-admin would.
      const opened = { orgId, requestId: submitted.requestId, request: req.encoded };
      const nonceRecord = issueEnrolmentNonce(root.privateKey, { ...opened, nowMs: now });
      await admin.request({ case: 'issueEnrolmentNonce', value: { requestId: submitted.requestId, nonceRecord } }, 'ok');
      const code = enrolmentCode(root.publicKey, opened, nonceRecord);
      const pending = await admin.request({ case: 'listPending', value: {} }, 'pending');
      const p = pending.pending.find((x) => x.requestId === submitted.requestId);
      if (!p) throw new ApiError('INTERNAL');
      const device = issueDeviceCertificate(root.privateKey, {
        orgId, serial: 2, userId: p.matchedUserId, deviceId: p.nextDeviceId, identityKey: identity.identityKeyPair.publicKey, notBeforeMs: now - 86_400_000, notAfterMs: now + 5 * YEAR,
      });
      await admin.request({ case: 'approveEnrolment', value: { requestId: p.requestId, code, deviceCertificate: device } }, 'ok');
      profile.writeMeta({ version: 1, keyProvider: input.keyProvider, orgName: input.orgName, local: true, state: 'enrolling' });
      profile.setEnrolment({ requestId: p.requestId, code, request: Buffer.from(req.encoded).toString('hex'), displayName: input.displayName, state: 'pending' });
      await this.d.enrolment.finish(device, member);
    } finally {
      await admin.close();
    }
    const shared = { ...org, relayUrl: relay.url };
    return { ...this.d.status(), relayUrl: relay.url, orgJson: serializeOrgConfig({ ...shared, local: true }) };
  }

  /** The security office of a local organisation, in the app of the officer who started it. */
  officer(session: Session): LocalOfficer {
    const profile = this.d.profile;
    const root = profile.localRoot();
    if (!this.relay || !root || !session.meView.orgRoles.includes('security-officer')) {
      throw new ApiError('FORBIDDEN', { detail: 'only the officer of a local organisation approves devices here; otherwise use valise-admin' });
    }
    return new LocalOfficer({
      relayUrl: this.relay.url,
      orgId: profile.org().orgId,
      root,
      nextSerial: () => profile.nextLocalSerial(),
      now: () => this.d.clock.now(),
    });
  }
}
