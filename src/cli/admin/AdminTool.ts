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
import fs from 'node:fs';
import path from 'node:path';
import {
  generateOrgRootKey,
  issueDeviceCertificate,
  issueMemberCertificate,
  issueRevocation,
  orgIdentity,
  orgRootKeyFromBytes,
  readDeviceCertificate,
  readMemberCertificate,
  enrolmentCode,
  issueEnrolmentNonce,
  signAdminChallenge,
  verifyEnrolmentRequest,
  type OrgRootKey,
} from '../../crypto/index.ts';
import { ORG_ROLES, type OrgRole } from '../../shared/model/roles.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { RelayClient } from '../../relay/RelayClient.ts';
import { orgPublicKeyBytes, readOrgConfig, type OrgFile } from '../../relay/readOrgConfig.ts';
import { RelayRefused } from '../../relay/errors.ts';
import { looksAlike } from '../../shared/model/lookAlike.ts';
import { isSafeText, UNSAFE_TEXT_MESSAGE } from '../../shared/model/safeText.ts';
import { readRootKeyFile, writeRootKeyFile } from './RootKeyFile.ts';

export const ORG_FILE = 'org.json';
export const ROOT_KEY_FILE = 'org-root.key';
const YEAR = 365 * 24 * 3600 * 1000;

export class AdminError extends Error {}

export interface InitOrgOptions {
  dir: string;
  orgId?: string;
  name?: string;
  relayUrl: string;
  passphrase: string;
  /** Argon2id parameters (tests use cheaper ones). */
  kdf?: { memoryCost: number; timeCost: number; parallelism: number };
  local?: boolean;
}

export async function initOrg(o: InitOrgOptions): Promise<OrgFile> {
  const orgFile = path.join(o.dir, ORG_FILE);
  const keyFile = path.join(o.dir, ROOT_KEY_FILE);
  if (fs.existsSync(orgFile) || fs.existsSync(keyFile)) throw new AdminError(`${o.dir} holds an organisation already; refusing to overwrite it.`);
  fs.mkdirSync(o.dir, { recursive: true });
  const root = generateOrgRootKey();
  const orgId = o.orgId ?? `org-${randomBytes(6).toString('hex')}`;
  await writeRootKeyFile(keyFile, orgId, root.privateKey.serialize(), o.passphrase, o.kdf);
  const config: OrgFile = {
    version: 1,
    orgId,
    name: o.name ?? '',
    orgPublicKey: Buffer.from(root.publicKey.serialize()).toString('base64'),
    relayUrl: o.relayUrl,
    relayCertificateSha256: '',
    classifications: [...DEFAULT_CLASSIFICATIONS],
    local: o.local ?? false,
  };
  fs.writeFileSync(orgFile, JSON.stringify(config, null, 2) + '\n');
  return config;
}

/** An open admin session: the unlocked root key and an admin connection to the relay. */
export class AdminTool {
  private serialBase = Date.now() * 1000;

  private constructor(
    readonly org: OrgFile,
    private readonly root: OrgRootKey,
    private readonly relay: RelayClient,
  ) {}

  static async open(dir: string, passphrase: string, relayUrl?: string): Promise<AdminTool> {
    const org = readOrgConfig(path.join(dir, ORG_FILE));
    const { orgId, privateKey } = await readRootKeyFile(path.join(dir, ROOT_KEY_FILE), passphrase);
    const root = orgRootKeyFromBytes(privateKey);
    privateKey.fill(0);
    if (orgId !== org.orgId || Buffer.compare(root.publicKey.serialize(), orgPublicKeyBytes(org)) !== 0) {
      throw new AdminError('The root key file does not belong to the organisation in org.json.');
    }
    const relay = await RelayClient.connect(relayUrl ?? org.relayUrl);
    await relay.authenticateAdmin((ch) => signAdminChallenge(root.privateKey, ch));
    return new AdminTool(org, root, relay);
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

  async addUser(o: { name: string; clearance: string; roles: string[]; userId?: string }): Promise<string> {
    if (!isSafeText(o.name)) throw new AdminError(UNSAFE_TEXT_MESSAGE);
    const roles = o.roles.map((r) => {
      if (!(ORG_ROLES as readonly string[]).includes(r)) throw new AdminError(`Unknown role "${r}". Known: ${ORG_ROLES.join(', ')}.`);
      return r as OrgRole;
    });
    const userId = o.userId ?? o.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') + '-' + randomBytes(3).toString('hex');
    const existing = await this.directory([userId]);
    if (existing.entries.length > 0) throw new AdminError(`A user ${userId} exists already.`);
    await this.publishMember({ userId, displayName: o.name, clearance: this.clearanceLevel(o.clearance), roles });
    return userId;
  }

  private async publishMember(m: { userId: string; displayName: string; clearance: number; roles: readonly OrgRole[] }): Promise<void> {
    const now = Date.now();
    const memberCertificate = issueMemberCertificate(this.root.privateKey, {
      orgId: this.org.orgId, serial: this.serial(), ...m, notBeforeMs: now - 60_000, notAfterMs: now + YEAR,
    });
    await this.relay.request({ case: 'publishMember', value: { memberCertificate } }, 'ok');
  }

  /**
   * Lists the pending requests and opens them: each request without a code gets a fresh random
   * nonce, signed by the root key and bound to that stored request, which the relay passes to the
   * waiting device. Only then can either side derive the comparison code, so whoever chose the
   * request could not have aimed it at a code.
   */
  async pending(): Promise<{ requestId: string; code: string; userName: string; deviceName: string; matchedUserId: string; submittedMs: number; warning: string }[]> {
    const first = await this.relay.request({ case: 'listPending', value: {} }, 'pending');
    for (const p of first.pending) {
      if (p.nonceRecord.length > 0) continue;
      const req = verifyEnrolmentRequest(p.request);
      if (req.orgId !== this.org.orgId) continue;
      const nonceRecord = issueEnrolmentNonce(this.root.privateKey, { orgId: this.org.orgId, requestId: p.requestId, request: p.request, nowMs: Date.now() });
      try {
        await this.relay.request({ case: 'issueEnrolmentNonce', value: { requestId: p.requestId, nonceRecord } }, 'ok');
      } catch (e) {
        // Another officer's tool opened it in between, or it was approved meanwhile: the list below tells.
        if (!(e instanceof RelayRefused) || (e.code !== 'ENROLMENT_NONCE_ISSUED' && e.code !== 'ENROLMENT_UNKNOWN')) throw e;
      }
    }
    const r = await this.relay.request({ case: 'listPending', value: {} }, 'pending');
    const out = [];
    for (const p of r.pending) {
      const opened = this.opened(p);
      if (!opened) continue;
      out.push({ requestId: p.requestId, code: opened.code, userName: opened.req.userName, deviceName: opened.req.deviceName, matchedUserId: p.matchedUserId, submittedMs: Number(p.submittedMs), warning: '' });
    }
    // Look-alike requests are how a relay would try its luck (one 1-in-a-million draw each).
    for (const row of out) {
      const twins = out.filter((o) => looksAlike(o.userName, row.userName)).length;
      if (twins > 1) row.warning = `${twins} requests for this name: confirm with the person which one is theirs`;
    }
    return out;
  }

  /** The waiting requests as signed by their devices, without opening any (to name one for `approve`). */
  async waiting(): Promise<{ requestId: string; userName: string; deviceName: string }[]> {
    const r = await this.relay.request({ case: 'listPending', value: {} }, 'pending');
    return r.pending.flatMap((p) => {
      try {
        const req = verifyEnrolmentRequest(p.request);
        return req.orgId === this.org.orgId ? [{ requestId: p.requestId, userName: req.userName, deviceName: req.deviceName }] : [];
      } catch {
        return [];
      }
    });
  }

  /**
   * The request and its code as this tool verifies them: the request signed by its own key, the
   * nonce signed by our root key for exactly this request id and these bytes. The relay's word is
   * used for nothing; a request whose nonce does not verify is not shown.
   */
  private opened(p: { requestId: string; request: Uint8Array; nonceRecord: Uint8Array }) {
    try {
      const req = verifyEnrolmentRequest(p.request);
      if (req.orgId !== this.org.orgId || p.nonceRecord.length === 0) return undefined;
      // A name with escapes or invisible characters never reaches the officer's terminal (whatever the relay let through).
      if (!isSafeText(req.userName) || !isSafeText(req.deviceName)) return undefined;
      const code = enrolmentCode(this.root.publicKey, { orgId: this.org.orgId, requestId: p.requestId, request: p.request }, p.nonceRecord);
      return { req, code };
    } catch {
      return undefined;
    }
  }

  async approve(requestId: string, code: string, o: { userId?: string; deviceId?: number } = {}): Promise<{ userId: string; deviceId: number }> {
    const r = await this.relay.request({ case: 'listPending', value: {} }, 'pending');
    const p = r.pending.find((x) => x.requestId === requestId);
    if (!p) throw new AdminError(`No pending enrolment request ${requestId}. Run "valise-admin pending".`);
    const opened = this.opened(p);
    if (!opened) throw new AdminError(`Request ${requestId} has no valid code yet. Run "valise-admin pending", then read the code on the device.`);
    const { req } = opened;
    if (code.trim() !== opened.code) throw new AdminError('The code does not match the one shown on the device. Nothing was approved.');
    const userId = o.userId ?? p.matchedUserId;
    if (!userId) throw new AdminError(`No single user is named "${req.userName}". Say which with --user USER_ID.`);
    let deviceId = o.deviceId ?? (o.userId && o.userId !== p.matchedUserId ? 0 : p.nextDeviceId);
    if (!deviceId) {
      const dir = await this.directory([userId]);
      const ids = (dir.entries[0]?.deviceCertificates ?? []).map((c) => readDeviceCertificate(c, this.identity()).deviceId);
      deviceId = Math.max(0, ...ids) + 1;
    }
    const now = Date.now();
    const deviceCertificate = issueDeviceCertificate(this.root.privateKey, {
      orgId: this.org.orgId, serial: this.serial(), userId, deviceId, identityKey: req.identityKey, notBeforeMs: now - 60_000, notAfterMs: now + YEAR,
    });
    // The certificate names the identity key of the very bytes the code was computed from.
    await this.relay.request({ case: 'approveEnrolment', value: { requestId, code: opened.code, deviceCertificate } }, 'ok');
    return { userId, deviceId };
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
    return r.entries.map((e) => ({ seq: Number(e.seq), at: new Date(Number(e.atMs)).toISOString(), event: e.event, actor: e.actor, subject: e.subject, detail: e.detail }));
  }

  async users(): Promise<{ userId: string; name: string; clearance: number; roles: string[]; devices: number[] }[]> {
    const dir = await this.directory([]);
    return dir.entries.map((e) => {
      const m = readMemberCertificate(e.memberCertificate, this.identity());
      return { userId: e.userId, name: m.displayName, clearance: m.clearance, roles: m.roles, devices: e.deviceCertificates.map((c) => readDeviceCertificate(c, this.identity()).deviceId) };
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
