/**
 * The security officer's operations. Design choice: every admin command is a
 * request to the relay over its normal protocol, on a connection authenticated by the organisation
 * root key signing the connection's challenge; what changes the directory is itself an org-signed
 * record (member certificate, device certificate, revocation) that the relay verifies and that
 * clients can verify again. So the relay never holds the root key, the officer can work from any
 * machine that holds the key file, and a revocation reaches live connections at once (the relay
 * cuts them while handling the request) — none of which an edit of the relay's data directory
 * would give.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  issueDeviceCertificate,
  issueMemberCertificate,
  issueRevocation,
  orgIdentity,
  orgRootKeyFromBytes,
  readDeviceCertificate,
  readMemberCertificate,
  revocationSet,
  verifyRevocation,
  isValidDeviceId,
  enrolmentCode,
  issueEnrolmentNonce,
  signAdminChallenge,
  verifyEnrolmentRequest,
  type OrgRootKey,
} from '../../crypto/index.ts';
import { ORG_ROLES, type OrgRole } from '../../shared/model/roles.ts';
import { RelayClient } from '../../relay/RelayClient.ts';
import { orgPublicKeyBytes, readOrgConfig, type OrgFile } from '../../relay/readOrgConfig.ts';
import { RelayRefused } from '../../relay/errors.ts';
import { relayTransportProblem } from '../../shared/model/relayTransport.ts';
import { AdminError } from './AdminError.ts';
import { ORG_FILE, ROOT_KEY_FILE } from './initOrg.ts';
import { readRootKeyFile } from './RootKeyFile.ts';
import { EnrolmentTokens } from './EnrolmentTokens.ts';
import { nameSkeleton } from './nameSkeleton.ts';
import { printable } from './printable.ts';
import { isSafeText, UNSAFE_TEXT_MESSAGE } from '../../shared/model/safeText.ts';

export { AdminError, type AdminErrorCode } from './AdminError.ts';
export { initOrg, ORG_FILE, ROOT_KEY_FILE, type InitOrgOptions } from './initOrg.ts';
const YEAR = 365 * 24 * 3600 * 1000;

/** One waiting request as `pending` lists it (names made printable). */
export interface PendingRow {
  requestId: string;
  userName: string;
  deviceName: string;
  submittedMs: number;
  /** The comparison code once the request is opened ('' before). */
  code: string;
  /** The user whose enrolment token the request carries ('' when it carries none of ours). */
  tokenOf: string;
  warning: string;
}

/** An open admin session: the unlocked root key and an admin connection to the relay. */
export class AdminTool {
  private serialBase = Date.now() * 1000;

  private constructor(
    readonly org: OrgFile,
    private readonly root: OrgRootKey,
    private readonly relay: RelayClient,
    private readonly tokens: EnrolmentTokens,
  ) {}

  static async open(dir: string, passphrase: string, relayUrl?: string): Promise<AdminTool> {
    const org = readOrgConfig(path.join(dir, ORG_FILE));
    const { orgId, privateKey } = await readRootKeyFile(path.join(dir, ROOT_KEY_FILE), passphrase);
    const root = orgRootKeyFromBytes(privateKey);
    privateKey.fill(0);
    if (orgId !== org.orgId || Buffer.compare(root.publicKey.serialize(), orgPublicKeyBytes(org)) !== 0) {
      throw new AdminError('The root key file does not belong to the organisation in org.json.');
    }
    const url = relayUrl ?? org.relayUrl;
    const pin = org.relayCertificateSha256 || null;
    const problem = relayTransportProblem(url, pin);
    if (problem) throw new AdminError(problem, 'RELAY_NOT_PINNED');
    const tokens = EnrolmentTokens.open(dir);
    // Pinned exactly as the engine pins (the same client option): no other certificate is accepted.
    const relay = await RelayClient.connect(url, pin ? { pinSha256: pin } : {});
    try {
      await relay.authenticateAdmin((ch) => signAdminChallenge(root.privateKey, ch));
    } catch (e) {
      await relay.close();
      throw e;
    }
    return new AdminTool(org, root, relay, tokens);
  }

  close(): Promise<void> {
    return this.relay.close();
  }

  /** Unique, increasing serials without shared state: microseconds since the epoch. */
  private serial(): number {
    this.serialBase = Math.max(this.serialBase + 1, Date.now() * 1000);
    return this.serialBase;
  }

  clearanceLevel(value: string): number {
    const byLabel = this.org.classifications.find((c) => c.label.toLowerCase() === value.toLowerCase() || c.short.toLowerCase() === value.toLowerCase());
    if (byLabel) return byLabel.level;
    const n = Number(value);
    if (Number.isInteger(n) && this.org.classifications.some((c) => c.level === n)) return n;
    throw new AdminError(`Unknown clearance "${value}". Known: ${this.org.classifications.map((c) => `${c.level}=${c.label}`).join(', ')}.`);
  }

  /**
   * Adds a member and issues their enrolment token: shown this once, for the officer to give the
   * person out of band; their device presents it, and `approve` refuses a request without it.
   */
  async addUser(o: { name: string; clearance: string; roles: string[]; userId?: string }): Promise<{ userId: string; enrolmentToken: string }> {
    if (!isSafeText(o.name)) throw new AdminError(UNSAFE_TEXT_MESSAGE);
    const roles = o.roles.map((r) => {
      if (!(ORG_ROLES as readonly string[]).includes(r)) throw new AdminError(`Unknown role "${r}". Known: ${ORG_ROLES.join(', ')}.`);
      return r as OrgRole;
    });
    const userId = o.userId ?? o.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') + '-' + randomBytes(3).toString('hex');
    const existing = await this.directory([userId]);
    if (existing.entries.length > 0) throw new AdminError(`A user ${userId} exists already.`);
    await this.publishMember({ userId, displayName: o.name, clearance: this.clearanceLevel(o.clearance), roles });
    return { userId, enrolmentToken: this.tokens.issue(userId, Date.now()) };
  }

  /** A new enrolment token for an existing user (another device, or a lost token); the old one stops working. */
  async issueToken(user: string): Promise<{ userId: string; enrolmentToken: string }> {
    const { userId } = await this.resolveUser(user);
    return { userId, enrolmentToken: this.tokens.issue(userId, Date.now()) };
  }

  private async publishMember(m: { userId: string; displayName: string; clearance: number; roles: readonly OrgRole[] }): Promise<void> {
    const now = Date.now();
    const memberCertificate = issueMemberCertificate(this.root.privateKey, {
      orgId: this.org.orgId, serial: this.serial(), ...m, notBeforeMs: now - 60_000, notAfterMs: now + YEAR,
    });
    await this.relay.request({ case: 'publishMember', value: { memberCertificate } }, 'ok');
  }

  /**
   * The waiting requests, listed only: listing opens nothing, so it draws no code. Each row says
   * whose enrolment token the request carries (checked against our own token file) and warns when
   * its name looks like another waiting request's (same confusable skeleton: a Cyrillic "А" is an
   * "A"). The relay's own matching of names to users is not used for anything.
   */
  async pending(): Promise<PendingRow[]> {
    const r = await this.relay.request({ case: 'listPending', value: {} }, 'pending');
    const rows: (PendingRow & { skeleton: string })[] = [];
    for (const p of r.pending) {
      const req = this.verified(p.request);
      if (!req) continue;
      rows.push({
        requestId: printable(p.requestId), userName: printable(req.userName), deviceName: printable(req.deviceName), submittedMs: Number(p.submittedMs),
        code: this.opened(p)?.code ?? '', tokenOf: this.tokens.userOf(req.enrolmentToken) ?? '', warning: '', skeleton: nameSkeleton(req.userName),
      });
    }
    // Look-alike requests are how a relay or a stranger would try its luck.
    for (const row of rows) {
      const twins = rows.filter((o) => o.skeleton === row.skeleton).length;
      if (twins > 1) row.warning = `${twins} requests for this name or a look-alike: confirm with the person which one is theirs`;
    }
    return rows.map(({ skeleton: _skeleton, ...row }) => row);
  }

  /**
   * Opens ONE request, the one the officer picks (by id, or by name when a single waiting request
   * gives that name or a look-alike): a fresh random nonce, signed by the root key and bound to that
   * stored request, which the relay passes to the waiting device. Only then can either side derive
   * the comparison code, so whoever chose the request could not have aimed it at a code, and each
   * open is one draw the officer decided on.
   */
  async open(which: string): Promise<PendingRow> {
    const r = await this.relay.request({ case: 'listPending', value: {} }, 'pending');
    const mine = r.pending.filter((x) => this.verified(x.request));
    let p = mine.find((x) => x.requestId === which);
    if (!p) {
      const want = nameSkeleton(which);
      const byName = mine.filter((x) => nameSkeleton(this.verified(x.request)!.userName) === want);
      if (byName.length > 1) {
        throw new AdminError(`${byName.length} waiting requests give the name "${printable(which)}" or a look-alike. Ask the person which is theirs, then open it by its id: ${byName.map((x) => printable(x.requestId)).join(', ')}.`, 'ENROLMENT_AMBIGUOUS');
      }
      p = byName[0];
    }
    if (!p) throw new AdminError(`No waiting enrolment request ${printable(which)}. Run "valise-admin pending".`, 'ENROLMENT_UNKNOWN');
    if (p.nonceRecord.length === 0) {
      const nonceRecord = issueEnrolmentNonce(this.root.privateKey, { orgId: this.org.orgId, requestId: p.requestId, request: p.request, nowMs: Date.now() });
      try {
        await this.relay.request({ case: 'issueEnrolmentNonce', value: { requestId: p.requestId, nonceRecord } }, 'ok');
      } catch (e) {
        // Another officer's tool opened it in between: its code is the one to compare.
        if (!(e instanceof RelayRefused) || e.code !== 'ENROLMENT_NONCE_ISSUED') throw e;
      }
    }
    const row = (await this.pending()).find((x) => x.requestId === printable(p.requestId));
    if (!row?.code) throw new AdminError(`Request ${printable(p.requestId)} could not be opened (the relay did not keep a valid code). Run "valise-admin pending" and try again.`, 'ENROLMENT_NOT_OPENED');
    return row;
  }

  /** The request if it verifies (its own signature, our organisation); else undefined. */
  private verified(request: Uint8Array) {
    try {
      const req = verifyEnrolmentRequest(request);
      return req.orgId === this.org.orgId ? req : undefined;
    } catch {
      return undefined;
    }
  }

  /** The waiting requests as signed by their devices, without opening any (to name one for `approve`). */
  async waiting(): Promise<{ requestId: string; userName: string; deviceName: string }[]> {
    const r = await this.relay.request({ case: 'listPending', value: {} }, 'pending');
    return r.pending.flatMap((p) => {
      const req = this.verified(p.request);
      return req ? [{ requestId: p.requestId, userName: printable(req.userName), deviceName: printable(req.deviceName) }] : [];
    });
  }


  /**
   * The request and its code as this tool verifies them: the request signed by its own key, the
   * nonce signed by our root key for exactly this request id and these bytes. The relay's word is
   * used for nothing; a request whose nonce does not verify is not shown.
   */
  private opened(p: { requestId: string; request: Uint8Array; nonceRecord: Uint8Array }) {
    const req = this.verified(p.request);
    if (!req || p.nonceRecord.length === 0) return undefined;
    try {
      return { req, code: enrolmentCode(this.root.publicKey, { orgId: this.org.orgId, requestId: p.requestId, request: p.request }, p.nonceRecord) };
    } catch {
      return undefined;
    }
  }

  /**
   * Certifies the request's key as a new device of the user the OFFICER names (`user`: an id, or a
   * name that one member of the org-signed directory has). Refused unless the code is the one the
   * device shows and the request carries that user's enrolment token. The device id is the highest
   * one ever certified for that user (org-signed directory, and this tool's own record) plus one,
   * so no existing device's key can be replaced; nothing the relay says about the request is used.
   */
  async approve(requestId: string, code: string, o: { user: string; deviceId?: number }): Promise<{ userId: string; deviceId: number }> {
    if (!o.user) throw new AdminError('Say whose device this is with --user NAME_OR_ID (as "valise-admin users" lists them).', 'UNKNOWN_USER');
    const r = await this.relay.request({ case: 'listPending', value: {} }, 'pending');
    const p = r.pending.find((x) => x.requestId === requestId);
    if (!p || !this.verified(p.request)) throw new AdminError(`No pending enrolment request ${printable(requestId)}. Run "valise-admin pending".`, 'ENROLMENT_UNKNOWN');
    const opened = this.opened(p);
    if (!opened) throw new AdminError(`Request ${printable(requestId)} has no valid code yet. Run "valise-admin open ${printable(requestId)}", then read the code on the device.`, 'ENROLMENT_NOT_OPENED');
    const { req } = opened;
    if (code.replace(/\s/g, '') !== opened.code) {
      await this.auditRefusal(requestId, code);
      throw new AdminError('The code does not match the one shown on the device. Nothing was approved.', 'ENROLMENT_CODE_MISMATCH');
    }
    const user = await this.resolveUser(o.user);
    if (!req.enrolmentToken) {
      throw new AdminError(
        `Request ${printable(requestId)} carries no enrolment token. Nothing was approved. Have the person enrol again with the token you gave them (an older Valise cannot send one: they must update it first).`,
        'ENROLMENT_TOKEN_MISMATCH',
      );
    }
    if (!this.tokens.matches(user.userId, req.enrolmentToken)) {
      throw new AdminError(
        `Request ${printable(requestId)} does not carry the enrolment token of ${printable(user.userId)} (${printable(user.displayName)}). Nothing was approved. If the request is theirs, have them enrol again with the token you gave them, or issue a new one with "valise-admin token ${printable(user.userId)}".`,
        'ENROLMENT_TOKEN_MISMATCH',
      );
    }
    const highest = Math.max(user.highestDeviceId, this.tokens.highestDeviceId(user.userId));
    const deviceId = o.deviceId ?? highest + 1;
    if (!isValidDeviceId(deviceId) || deviceId <= highest) {
      throw new AdminError(`Device id ${deviceId} of ${printable(user.userId)} is, or was, in use (highest certified: ${highest}). Leave out --device-id to take ${highest + 1}.`, 'DEVICE_ID_IN_USE');
    }
    const now = Date.now();
    const deviceCertificate = issueDeviceCertificate(this.root.privateKey, {
      orgId: this.org.orgId, serial: this.serial(), userId: user.userId, deviceId, identityKey: req.identityKey, notBeforeMs: now - 60_000, notAfterMs: now + YEAR,
    });
    // The certificate names the identity key of the very bytes the code was computed from.
    await this.relay.request({ case: 'approveEnrolment', value: { requestId, code: opened.code, deviceCertificate } }, 'ok');
    this.tokens.certified(user.userId, deviceId);
    return { userId: user.userId, deviceId };
  }

  /**
   * A refused approval reaches the relay's audit: the typed code goes to the relay with no
   * certificate, so it can only be refused there too (as a code mismatch, or for the missing
   * certificate) and is written to the audit without content. Nothing can be approved this way.
   */
  private async auditRefusal(requestId: string, typedCode: string): Promise<void> {
    try {
      await this.relay.request({ case: 'approveEnrolment', value: { requestId, code: typedCode.replace(/\s/g, ''), deviceCertificate: new Uint8Array() } }, 'ok');
    } catch {
      // Refused, as it must be: the relay has recorded it.
    }
  }

  /**
   * A user named by id or by name, from the directory as this tool verifies it: member certificates
   * signed by our root key and not revoked by a revocation signed by it; device ids from the device
   * certificates of that user (revoked ones included: an id is never given twice).
   */
  private async resolveUser(nameOrId: string): Promise<{ userId: string; displayName: string; highestDeviceId: number }> {
    const dir = await this.directory([]);
    const org = this.identity();
    const revoked = revocationSet(dir.revocations.flatMap((b) => {
      try {
        return [verifyRevocation(b, org)];
      } catch {
        return [];
      }
    }));
    const members = dir.entries.flatMap((e) => {
      try {
        const m = readMemberCertificate(e.memberCertificate, org);
        if (revoked.isRevoked('member', m.serial)) return [];
        const devices = e.deviceCertificates.flatMap((c) => {
          try {
            const d = readDeviceCertificate(c, org);
            return d.userId === m.userId ? [d.deviceId] : [];
          } catch {
            return [];
          }
        });
        return [{ userId: m.userId, displayName: m.displayName, highestDeviceId: Math.max(0, ...devices) }];
      } catch {
        return [];
      }
    });
    const byId = members.find((m) => m.userId === nameOrId);
    if (byId) return byId;
    const want = nameSkeleton(nameOrId);
    const byName = members.filter((m) => nameSkeleton(m.displayName) === want);
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) {
      throw new AdminError(`${byName.length} users are named "${printable(nameOrId)}" or a look-alike: name one by id (${byName.map((m) => printable(m.userId)).join(', ')}).`, 'AMBIGUOUS_USER');
    }
    throw new AdminError(`No user "${printable(nameOrId)}" in the organisation's directory. Run "valise-admin users", or add them with "valise-admin add-user".`, 'UNKNOWN_USER');
  }

  async revokeDevice(userId: string, deviceId: number, reason = ''): Promise<void> {
    const dir = await this.directory([userId]);
    const cert = (dir.entries[0]?.deviceCertificates ?? []).map((c) => readDeviceCertificate(c, this.identity())).find((c) => c.deviceId === deviceId);
    if (!cert) throw new AdminError(`No device ${deviceId} of user ${userId}.`);
    await this.revoke('device', cert.serial, reason);
  }

  async revokeUser(userId: string, reason = ''): Promise<void> {
    const m = await this.member(userId);
    await this.revoke('member', m.serial, reason);
  }

  async setClearance(userId: string, clearance: string): Promise<void> {
    const m = await this.member(userId);
    await this.publishMember({ userId, displayName: m.displayName, clearance: this.clearanceLevel(clearance), roles: m.roles });
  }

  async audit(afterSeq = 0): Promise<{ seq: number; at: string; event: string; actor: string; subject: string; detail: string }[]> {
    const r = await this.relay.request({ case: 'readAudit', value: { afterSeq: BigInt(afterSeq), limit: 10_000 } }, 'audit');
    return r.entries.map((e) => ({ seq: Number(e.seq), at: new Date(Number(e.atMs)).toISOString(), event: printable(e.event), actor: printable(e.actor), subject: printable(e.subject), detail: printable(e.detail) }));
  }

  async users(): Promise<{ userId: string; name: string; clearance: number; roles: string[]; devices: number[] }[]> {
    const dir = await this.directory([]);
    return dir.entries.map((e) => {
      const m = readMemberCertificate(e.memberCertificate, this.identity());
      return { userId: printable(m.userId), name: printable(m.displayName), clearance: m.clearance, roles: m.roles, devices: e.deviceCertificates.map((c) => readDeviceCertificate(c, this.identity()).deviceId) };
    });
  }

  private async revoke(target: 'member' | 'device', serial: number, reason: string): Promise<void> {
    const revocation = issueRevocation(this.root.privateKey, { orgId: this.org.orgId, target, revokedSerial: serial, revokedAtMs: Date.now(), reason });
    await this.relay.request({ case: 'publishRevocation', value: { revocation } }, 'ok');
  }

  private async member(userId: string) {
    const dir = await this.directory([userId]);
    const e = dir.entries[0];
    if (!e) throw new AdminError(`No user ${userId}.`);
    return readMemberCertificate(e.memberCertificate, this.identity());
  }

  private directory(userIds: string[]) {
    return this.relay.request({ case: 'fetchDirectory', value: { userIds } }, 'directory');
  }

  private identity() {
    return orgIdentity(this.org.orgId, orgPublicKeyBytes(this.org));
  }
}
