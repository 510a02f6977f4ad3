/**
 * The security office of a local organisation (DESIGN.md §8, first run), inside the app of the
 * person who started it: this profile holds the organisation's root key, so it can open a second
 * profile's enrolment request (an org-signed nonce, from which both sides derive the comparison
 * code), compare the code the new device shows, and approve it — as `valise-admin pending` and
 * `approve` do for a real organisation. Nothing the relay says is trusted: the request is verified
 * by its own signature and the code computed here from its bytes.
 */
import {
  enrolmentCode,
  issueDeviceCertificate,
  issueEnrolmentNonce,
  issueMemberCertificate,
  signAdminChallenge,
  verifyEnrolmentRequest,
  type OrgRootKey,
} from '../../crypto/index.ts';
import { RelayClient } from '../../relay/RelayClient.ts';
import type { OrgRole } from '../../shared/model/roles.ts';
import { isSafeText } from '../../shared/model/safeText.ts';
import { ApiError, toApiError } from './errors.ts';
import { userIdFromDisplayName } from './userIdFromDisplayName.ts';
import type { PendingEnrolment } from '../../gen/valise/v1/relay_pb.ts';

export interface LocalRequest {
  requestId: string;
  displayName: string;
  deviceName: string;
  submittedAt: number;
  /** The member the request names, when one exists already (a second device); null for a new person. */
  userId: string | null;
}

export interface LocalOfficerDeps {
  relayUrl: string;
  orgId: string;
  root: OrgRootKey;
  /** A certificate serial never used before in this organisation. */
  nextSerial(): number;
  now(): number;
}

type Pending = PendingEnrolment;

const YEAR = 365 * 86_400_000;

export class LocalOfficer {
  constructor(private readonly d: LocalOfficerDeps) {}

  /** The waiting requests, each opened (its nonce issued) so that both sides now show the code. */
  async pending(): Promise<LocalRequest[]> {
    return this.withAdmin(async (admin) => {
      for (const p of await this.list(admin)) {
        if (p.nonceRecord.length > 0 || !this.verified(p)) continue;
        const nonceRecord = issueEnrolmentNonce(this.d.root.privateKey, { orgId: this.d.orgId, requestId: p.requestId, request: p.request, nowMs: this.d.now() });
        await admin.request({ case: 'issueEnrolmentNonce', value: { requestId: p.requestId, nonceRecord } }, 'ok').catch(() => undefined);
      }
      const out: LocalRequest[] = [];
      for (const p of await this.list(admin)) {
        const o = this.opened(p);
        if (!o) continue;
        out.push({ requestId: p.requestId, displayName: o.userName, deviceName: o.deviceName, submittedAt: Number(p.submittedMs), userId: p.matchedUserId || null });
      }
      return out;
    });
  }

  /**
   * Approves a request once the officer typed the code the new device shows. A new person becomes
   * a member with the given clearance and roles; a known one gets another device.
   */
  async approve(requestId: string, typedCode: string, person: { clearance: number; roles: OrgRole[] }): Promise<{ userId: string; deviceId: number }> {
    return this.withAdmin(async (admin) => {
      let p = (await this.list(admin)).find((x) => x.requestId === requestId);
      const o = p && this.opened(p);
      if (!p || !o) throw new ApiError('NOT_FOUND', { detail: 'no open request with that id' });
      if (typedCode.replace(/\s/g, '') !== o.code.replace(/\s/g, '')) throw new ApiError('ENROLMENT_CODE_MISMATCH');
      if (!p.matchedUserId) {
        const now = this.d.now();
        const memberCertificate = issueMemberCertificate(this.d.root.privateKey, {
          orgId: this.d.orgId, serial: this.d.nextSerial(), userId: userIdFromDisplayName(o.userName), displayName: o.userName,
          clearance: person.clearance, roles: person.roles, notBeforeMs: now - 86_400_000, notAfterMs: now + YEAR,
        });
        await admin.request({ case: 'publishMember', value: { memberCertificate } }, 'ok');
        p = (await this.list(admin)).find((x) => x.requestId === requestId);
        if (!p?.matchedUserId) throw new ApiError('CONFLICT', { detail: 'another member has the same name' });
      }
      const now = this.d.now();
      const deviceCertificate = issueDeviceCertificate(this.d.root.privateKey, {
        orgId: this.d.orgId, serial: this.d.nextSerial(), userId: p.matchedUserId, deviceId: p.nextDeviceId, identityKey: o.identityKey,
        notBeforeMs: now - 86_400_000, notAfterMs: now + YEAR,
      });
      await admin.request({ case: 'approveEnrolment', value: { requestId, code: o.code, deviceCertificate } }, 'ok');
      return { userId: p.matchedUserId, deviceId: p.nextDeviceId };
    });
  }

  private async list(admin: RelayClient): Promise<Pending[]> {
    return (await admin.request({ case: 'listPending', value: {} }, 'pending')).pending;
  }

  private verified(p: Pending) {
    try {
      const req = verifyEnrolmentRequest(p.request);
      // A name that could disguise itself is never shown to the officer (whatever the relay let through).
      return req.orgId === this.d.orgId && isSafeText(req.userName) && isSafeText(req.deviceName) ? req : undefined;
    } catch {
      return undefined;
    }
  }

  /** The request with the code computed here from its bytes and our own nonce; undefined if either does not verify. */
  private opened(p: Pending) {
    const req = this.verified(p);
    if (!req || p.nonceRecord.length === 0) return undefined;
    try {
      return { ...req, code: enrolmentCode(this.d.root.publicKey, { orgId: this.d.orgId, requestId: p.requestId, request: p.request }, p.nonceRecord) };
    } catch {
      return undefined;
    }
  }

  private async withAdmin<T>(work: (admin: RelayClient) => Promise<T>): Promise<T> {
    let admin: RelayClient;
    try {
      admin = await RelayClient.connect(this.d.relayUrl);
      await admin.authenticateAdmin((ch) => signAdminChallenge(this.d.root.privateKey, ch));
    } catch (e) {
      throw toApiError(e);
    }
    try {
      return await work(admin);
    } catch (e) {
      throw toApiError(e);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
}
