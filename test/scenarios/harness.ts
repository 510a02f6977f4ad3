/**
 * Scenario harness: a real relay on 127.0.0.1 with a real organisation (test/relay/fixtures.ts),
 * and engines with their own profile directories that join it through the API — enrolment
 * request, comparison code, approval by the security office — exactly as a user would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { issueDeviceCertificate, issueRevocation, verifyEnrolmentRequest } from '../../src/crypto/index.ts';
import { Engine, type EngineOptions } from '../../src/main/engine/Engine.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import type { ApiEvent } from '../../src/shared/api/events.ts';
import type { ApiMethod, ApiParams, ApiResult } from '../../src/shared/api/methods.ts';
import type { OrgRole } from '../../src/shared/model/roles.ts';
import { DAY, TestOrg } from '../relay/fixtures.ts';

export const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export const PASSPHRASE = 'correct horse battery staple';

export function orgJson(org: TestOrg, extra: { recordsUserId?: string; relayUrl?: string } = {}): string {
  return JSON.stringify({ version: 1, orgId: org.orgId, name: 'Test delegation', orgPublicKey: Buffer.from(org.root.publicKey.serialize()).toString('base64'), relayUrl: org.relay.url, ...extra });
}

export async function until(pred: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The comparison code a joining device shows, once the officer has opened its request. */
export async function deviceCode(node: { call: Node['call'] }, ms = 10_000): Promise<string> {
  let code: string | null = null;
  await until(async () => (code = (await node.call('enrolmentStatus', {})).comparisonCode) !== null, ms, 'comparison code on the device');
  return code!;
}

export class Node {
  readonly events: ApiEvent[] = [];

  constructor(
    readonly engine: Engine,
    readonly dir: string,
    readonly userId: string,
  ) {
    engine.onEvent((e) => this.events.push(e));
  }

  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    return this.engine.handle(method, params) as Promise<ApiResult<M>>;
  }

  texts(type: 'messageReceived' = 'messageReceived'): string[] {
    return this.events.flatMap((e) => (e.type === type ? [e.message.text] : []));
  }

  async waitText(text: string, ms = 10_000): Promise<void> {
    await until(() => this.texts().includes(text), ms, `"${text}" at ${this.userId}`);
  }

  async online(): Promise<void> {
    await until(async () => (await this.call('status', {})).connection === 'online', 10_000, `${this.userId} online`);
  }
}

export class Scenario {
  readonly org = new TestOrg();
  readonly nodes: Node[] = [];
  private readonly serials = new Map<string, number>();
  private readonly dirs: string[] = [];

  async start(relay: Parameters<TestOrg['start']>[0] = {}): Promise<this> {
    await this.org.start(relay);
    return this;
  }

  async user(userId: string, opts: { clearance?: number; roles?: OrgRole[] } = {}): Promise<void> {
    await this.org.addUser(userId, { roles: ['delegate'], ...opts });
  }

  profileDir(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-eng-'));
    this.dirs.push(d);
    return d;
  }

  engine(dir: string, userId: string, o: Partial<EngineOptions> = {}): Node {
    const logger = process.env.VALISE_TEST_LOG ? pino({ level: 'debug', base: { user: userId } }, pino.destination(2)) : undefined;
    const engine = new Engine({ startRelay, profileDir: dir, ...(logger ? { logger } : {}), keyProviders: { argon2: FAST_ARGON2 }, enrolmentPollMs: 100, deviceName: 'test', ...o });
    const node = new Node(engine, dir, userId);
    this.nodes.push(node);
    return node;
  }

  /** A new profile that joins the organisation and is approved by the security office. */
  /** Set before `join`: the records office written into org.json. */
  recordsUserId: string | undefined;
  /** Set before `join`: the relay URL written into org.json (a proxy in front of the relay). */
  relayUrl: string | undefined;
  /** Set before `join`: the start of validity of device certificates (default: a day ago). */
  certificateNotBeforeMs: () => number = () => Date.now() - DAY;

  async join(userId: string, o: Partial<EngineOptions> = {}): Promise<Node> {
    const node = this.engine(this.profileDir(), userId, o);
    const org = orgJson(this.org, { ...(this.recordsUserId ? { recordsUserId: this.recordsUserId } : {}), ...(this.relayUrl ? { relayUrl: this.relayUrl } : {}) });
    const { requestId } = await node.call('joinOrganisation', { orgJson: org, displayName: userId, keyProvider: 'passphrase', passphrase: PASSPHRASE });
    await this.approve(requestId, () => deviceCode(node));
    await until(async () => (await node.call('status', {})).state === 'unlocked', 10_000, `${userId} enrolled`);
    await node.online();
    return node;
  }

  /**
   * What the security officer does: open the request (a fresh org-signed nonce bound to it, as
   * `valise-admin pending` does), read the code the device then shows, compare it with the code
   * computed here from the request bytes it certifies, and approve.
   */
  async approve(requestId: string, readDeviceCode: () => Promise<string>): Promise<number> {
    const pending = await this.org.admin.request({ case: 'listPending', value: {} }, 'pending');
    const p = pending.pending.find((x) => x.requestId === requestId);
    if (!p) throw new Error('enrolment request not found');
    const code = await this.org.openEnrolment(requestId, p.request);
    if ((await readDeviceCode()) !== code) throw new Error('comparison codes differ');
    const publicKey = verifyEnrolmentRequest(p.request).identityKey;
    const serial = this.org.nextSerial();
    this.serials.set(p.matchedUserId, serial);
    const certificate = issueDeviceCertificate(this.org.root.privateKey, {
      orgId: this.org.orgId, serial, userId: p.matchedUserId, deviceId: p.nextDeviceId, identityKey: publicKey,
      notBeforeMs: this.certificateNotBeforeMs(), notAfterMs: Date.now() + 365 * DAY,
    });
    await this.org.admin.request({ case: 'approveEnrolment', value: { requestId, code, deviceCertificate: certificate } }, 'ok');
    return serial;
  }

  /** The usual cast: alice (delegate and lead), bob and carol (delegates), each with a device online. */
  async leadAndTwo(): Promise<{ alice: Node; bob: Node; carol: Node }> {
    await this.user('alice', { roles: ['delegate', 'lead'] });
    await this.user('bob');
    await this.user('carol');
    const alice = await this.join('alice');
    const bob = await this.join('bob');
    const carol = await this.join('carol');
    return { alice, bob, carol };
  }

  /** The security office revokes the device last enrolled for `userId`. */
  async revoke(userId: string): Promise<void> {
    const revocation = issueRevocation(this.org.root.privateKey, { orgId: this.org.orgId, target: 'device', revokedSerial: this.serials.get(userId)!, revokedAtMs: Date.now(), reason: 'lost' });
    await this.org.admin.request({ case: 'publishRevocation', value: { revocation } }, 'ok');
  }

  /** Closes a node's engine (the app quits) and returns a fresh engine on the same profile, unlocked. */
  async restart(node: Node, o: Partial<EngineOptions> = {}): Promise<Node> {
    await node.engine.close();
    const next = this.engine(node.dir, node.userId, o);
    await next.call('unlock', { passphrase: PASSPHRASE });
    return next;
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) await n.engine.close().catch(() => undefined);
    await this.org.stop();
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Every message text of a channel on `node`, newest first (all pages of `listMessages`). */
export async function allTexts(node: Node, channelId: string): Promise<string[]> {
  const texts: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await node.call('listMessages', { channelId, limit: 500, ...(before ? { before } : {}) });
    texts.push(...page.messages.map((m) => m.text));
    if (!page.nextCursor) return texts;
    before = page.nextCursor;
  }
}
