/**
 * The client engine's composition root (DESIGN.md §3): plain Node, no Electron. It owns the
 * profile's lifecycle — first run (join an organisation, or start a local one), enrolment, unlock,
 * lock, revocation — and serves the one API contract (src/shared/api) to whoever hosts it: the
 * Electron IPC, the browser-mode WebSocket and the headless CLI all call `handle` and listen with
 * `onEvent`. Every call is validated against the contract at this boundary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import {
  createEnrolmentRequest,
  enrolmentCode,
  issueEnrolmentNonce,
  deviceIdentityFrom,
  generateDeviceIdentity,
  generateOrgRootKey,
  issueDeviceCertificate,
  issueMemberCertificate,
  orgIdentity,
  orgRootKeyFromBytes,
  readDeviceCertificate,
  readMemberCertificate,
  signAdminChallenge,
  type DeviceIdentity,
} from '../../crypto/index.ts';
import { createProfile, openProfile, wipeProfile, type LocalStore } from '../../storage/index.ts';
import { RelayClient } from '../../relay/RelayClient.ts';
import type { EmbeddedRelay as RunningRelay, StartEmbeddedRelay } from '../../relay/EmbeddedRelay.ts';
import { errorBody, invoke, type ApiHandlers } from '../../shared/api/dispatch.ts';
import { RequestFrameSchema, type ResponseFrame } from '../../shared/api/frames.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import { UNLOCKED_NOT_REQUIRED, isApiMethod, type ApiInput, type ApiResult } from '../../shared/api/methods.ts';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings, type Status } from '../../shared/api/schemas.ts';
import { systemClock, type Clock } from './Clock.ts';
import { ApiError, toApiError } from './errors.ts';
import { makeKeyProvider, type KeyProviderOptions } from './keyProviders.ts';
import { parseOrgConfig, relayClientOptions, serializeOrgConfig, type OrgConfig } from './OrgConfig.ts';
import { readMeta, removeMeta, writeMeta, type ProfileMeta } from './ProfileMeta.ts';
import { userIdFromDisplayName } from './userIdFromDisplayName.ts';
import { LocalOfficer } from './LocalOfficer.ts';
import { Session, type MeRecord } from './Session.ts';

export interface EngineOptions {
  profileDir: string;
  clock?: Clock;
  logger?: Logger;
  keyProviders?: KeyProviderOptions;
  deviceName?: string;
  /** How often enrolment approval is polled while waiting (ms). */
  enrolmentPollMs?: number;
  burnGraceMs?: number;
  sweepEveryMs?: number;
  /** Backlog from which channel messages are decrypted in a worker thread (default 200). */
  catchUpWorkerFrom?: number;
  /** Starts the relay of a local organisation (the server's `startRelay`, passed by the composition root). */
  startRelay: StartEmbeddedRelay;
}

const KEYS = {
  org: 'engine.org',
  me: 'engine.me',
  enrolment: 'engine.enrolment',
  identity: 'engine.identity',
  localRoot: 'engine.localOrgRoot',
  localRelayPort: 'engine.localRelayPort',
  localSerial: 'engine.localSerial',
  ui: 'ui.settings',
} as const;

interface Enrolment {
  requestId: string;
  /** Null until the officer's nonce arrived and checked out against our own request. */
  code: string | null;
  /** Our own encoded request (hex): the code is computed from these bytes, never the relay's. */
  request: string;
  displayName: string;
  state: 'pending' | 'approved' | 'rejected';
}

export class Engine {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private store: LocalStore | null = null;
  private session: Session | null = null;
  private localRelay: RunningRelay | null = null;
  private enrolTimer: ReturnType<typeof setInterval> | null = null;
  private enrolClient: RelayClient | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  readonly handlers: ApiHandlers;

  constructor(private readonly o: EngineOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.logger ?? pino({ level: 'silent' });
    this.handlers = this.buildHandlers();
  }

  /** Validates and runs one API call; throws ApiError. */
  async handle(method: string, params: unknown): Promise<unknown> {
    if (isApiMethod(method) && !UNLOCKED_NOT_REQUIRED.has(method) && !this.session) {
      throw new ApiError(readMeta(this.o.profileDir) ? 'LOCKED' : 'NOT_ENROLLED');
    }
    try {
      return await invoke(this.handlers, method, params);
    } catch (e) {
      const err = toApiError(e);
      this.log.info({ method, err: err.toLog() }, 'api call failed');
      throw err;
    }
  }

  /**
   * One request frame in, its response frame out (transport-neutral, see src/shared/api/frames.ts):
   * what the Electron IPC handler and the browser-mode WebSocket call for every message.
   */
  async dispatch(raw: unknown): Promise<ResponseFrame | undefined> {
    const frame = RequestFrameSchema.safeParse(raw);
    if (!frame.success) {
      const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : undefined;
      return id === undefined ? undefined : { id, error: errorBody(new ApiError('BAD_REQUEST')) };
    }
    try {
      return { id: frame.data.id, result: await this.handle(frame.data.method, frame.data.params) };
    } catch (e) {
      return { id: frame.data.id, error: errorBody(e) };
    }
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The unlocked session (tests, benchmarks and the CLI wait on it). */
  get current(): Session | null {
    return this.session;
  }

  async close(): Promise<void> {
    await this.closeSession();
    await this.localRelay?.close();
    this.localRelay = null;
  }

  private emit = (e: ApiEvent): void => {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.warn({ err: toApiError(err).toLog() }, 'event listener failed');
      }
    }
  };

  /** Lifecycle changes run one at a time (two unlocks at once must not open the database twice). */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.busy.then(f, f);
    this.busy = next.catch(() => undefined);
    return next;
  }

  // ---------------------------------------------------------------- lifecycle

  private status(): Status {
    const meta = readMeta(this.o.profileDir);
    const org = this.store ? this.org() : null;
    const me = this.store?.repos.settings.get<MeRecord>(KEYS.me) ?? null;
    const state: Status['state'] = !meta ? 'no-profile' : meta.state === 'enrolling' ? 'enrolling' : this.session ? 'unlocked' : 'locked';
    return {
      state,
      keyProvider: meta?.keyProvider ?? null,
      org: meta ? { name: meta.orgName, local: meta.local, classifications: org?.classifications ?? [] } : null,
      me: me && this.session ? { userId: me.userId, deviceId: String(me.deviceId), displayName: me.displayName, clearance: me.clearance, orgRoles: me.orgRoles } : null,
      connection: this.session?.connectionState ?? 'offline',
      clock: this.session?.clockState ?? null,
    };
  }

  private org(): OrgConfig {
    const text = this.store?.repos.settings.get<string>(KEYS.org);
    if (!text) throw new ApiError('NOT_ENROLLED');
    return parseOrgConfig(text);
  }

  private async createStore(kind: ProfileMeta['keyProvider'], passphrase: string | undefined): Promise<LocalStore> {
    if (readMeta(this.o.profileDir)) throw new ApiError('ALREADY_ENROLLED');
    const provider = makeKeyProvider(kind, passphrase, this.o.keyProviders);
    try {
      return await createProfile(this.o.profileDir, provider, { backgroundCheckpoints: true });
    } catch (e) {
      throw toApiError(e);
    }
  }

  private saveIdentity(store: LocalStore, identity: DeviceIdentity): void {
    store.protocol.identity.setLocalIdentity(identity.identityKeyPair.privateKey, identity.registrationId);
    store.repos.settings.set(KEYS.identity, { registrationId: identity.registrationId });
  }

  private async loadIdentity(store: LocalStore): Promise<DeviceIdentity> {
    const { registrationId } = store.repos.settings.get<{ registrationId: number }>(KEYS.identity)!;
    return deviceIdentityFrom(await store.protocol.identity.getIdentityKey(), registrationId);
  }

  private async join(input: ApiInput<'joinOrganisation'>): Promise<ApiResult<'joinOrganisation'>> {
    const org = parseOrgConfig(input.orgJson, input.relayUrl);
    const store = await this.createStore(input.keyProvider, input.passphrase);
    this.store = store;
    const identity = generateDeviceIdentity();
    this.saveIdentity(store, identity);
    store.repos.settings.set(KEYS.org, serializeOrgConfig(org));
    writeMeta(this.o.profileDir, { version: 1, keyProvider: input.keyProvider, orgName: org.name, local: org.local, state: 'enrolling' });
    const req = createEnrolmentRequest({
      orgId: org.orgId,
      userName: input.displayName,
      deviceName: this.o.deviceName ?? os.hostname(),
      identity: identity.identityKeyPair,
      registrationId: identity.registrationId,
      nowMs: this.clock.now(),
    });
    let submitted;
    try {
      const c = await RelayClient.connect(org.relayUrl, relayClientOptions(org));
      submitted = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
      this.enrolClient = c;
    } catch (e) {
      // Nothing usable was created: start over cleanly next time.
      wipeProfile(this.o.profileDir, store);
      removeMeta(this.o.profileDir);
      this.store = null;
      throw toApiError(e);
    }
    const enrolment: Enrolment = { requestId: submitted.requestId, code: null, request: Buffer.from(req.encoded).toString('hex'), displayName: input.displayName, state: 'pending' };
    store.repos.settings.set(KEYS.enrolment, enrolment);
    this.watchEnrolment();
    return { comparisonCode: null, requestId: submitted.requestId };
  }

  /** Waits for the security officer's approval: the relay pushes it, and we also poll. */
  private watchEnrolment(): void {
    const store = this.store;
    if (!store || this.enrolTimer) return;
    const enrolment = store.repos.settings.get<Enrolment>(KEYS.enrolment);
    if (!enrolment) return;
    const org = this.org();
    let inFlight = false;
    const poll = async () => {
      if (inFlight || this.store !== store) return;
      inFlight = true;
      try {
        this.enrolClient ??= await RelayClient.connect(org.relayUrl, relayClientOptions(org));
        const s = await this.enrolClient.request({ case: 'pollEnrolment', value: { requestId: enrolment.requestId } }, 'enrolmentStatus');
        if (s.state === 2) await this.serial(() => this.finishEnrolment(s.deviceCertificate, s.memberCertificate));
        else if (s.state === 3) this.enrolmentRejected();
        else if (s.nonceRecord.length > 0) this.enrolmentCodeArrived(store, s.nonceRecord);
      } catch (e) {
        this.log.info({ err: toApiError(e).toLog() }, 'enrolment poll failed');
        this.enrolClient?.kill();
        this.enrolClient = null;
      } finally {
        inFlight = false;
      }
    };
    this.enrolTimer = setInterval(() => void poll(), this.o.enrolmentPollMs ?? 1000);
    this.enrolTimer.unref?.();
    void poll();
  }

  private stopEnrolmentWatch(): void {
    if (this.enrolTimer) clearInterval(this.enrolTimer);
    this.enrolTimer = null;
    this.enrolClient?.kill();
    this.enrolClient = null;
  }

  /**
   * The security officer opened our request: derive the code from OUR request bytes and the
   * org-signed nonce, which must name exactly those bytes. A nonce the relay made up, or one issued
   * for a request it substituted, is ignored, so no code shows and the officer never approves it.
   */
  private enrolmentCodeArrived(store: LocalStore, nonceRecord: Uint8Array): void {
    const e = store.repos.settings.get<Enrolment>(KEYS.enrolment);
    if (!e || e.code || e.state !== 'pending') return;
    const org = this.org();
    let code: string;
    try {
      const root = orgIdentity(org.orgId, org.orgPublicKey).rootPublicKey;
      code = enrolmentCode(root, { orgId: org.orgId, requestId: e.requestId, request: Buffer.from(e.request, 'hex') }, nonceRecord);
    } catch (err) {
      this.log.warn({ err: toApiError(err).toLog() }, 'enrolment nonce not for this request; ignored');
      return;
    }
    store.repos.settings.set(KEYS.enrolment, { ...e, code });
    this.emit({ type: 'enrolment', state: 'code' });
  }

  private enrolmentRejected(): void {
    const store = this.store;
    if (!store) return;
    const e = store.repos.settings.get<Enrolment>(KEYS.enrolment);
    if (e) store.repos.settings.set(KEYS.enrolment, { ...e, state: 'rejected' });
    this.stopEnrolmentWatch();
    this.emit({ type: 'enrolment', state: 'rejected' });
  }

  private async finishEnrolment(deviceCertificate: Uint8Array, memberCertificate: Uint8Array): Promise<void> {
    const store = this.store;
    if (!store || this.session) return;
    const org = this.org();
    const identity = orgIdentity(org.orgId, org.orgPublicKey);
    const dev = readDeviceCertificate(deviceCertificate, identity);
    const mem = readMemberCertificate(memberCertificate, identity);
    const mine = await this.loadIdentity(store);
    if (!dev.identityKey.equals(mine.identityKeyPair.publicKey) || dev.userId !== mem.userId) throw new ApiError('ENROLMENT_REJECTED');
    const enrolment = store.repos.settings.get<Enrolment>(KEYS.enrolment);
    const me: MeRecord = {
      userId: dev.userId,
      deviceId: dev.deviceId,
      displayName: mem.displayName || enrolment?.displayName || dev.userId,
      clearance: mem.clearance,
      orgRoles: mem.roles,
      deviceCertificate: Buffer.from(deviceCertificate).toString('hex'),
      memberCertificate: Buffer.from(memberCertificate).toString('hex'),
    };
    store.transaction((r) => {
      r.settings.set(KEYS.me, me);
      if (enrolment) r.settings.set(KEYS.enrolment, { ...enrolment, state: 'approved' });
    });
    await store.repos.records.saveMemberCertificate(mem.userId, memberCertificate);
    await store.repos.records.saveDeviceCertificate(dev.userId, dev.deviceId, deviceCertificate);
    const meta = readMeta(this.o.profileDir)!;
    writeMeta(this.o.profileDir, { ...meta, state: 'ready' });
    this.stopEnrolmentWatch();
    await this.openSession(store);
    this.emit({ type: 'enrolment', state: 'approved' });
  }

  private async openSession(store: LocalStore): Promise<void> {
    const me = store.repos.settings.get<MeRecord>(KEYS.me);
    if (!me) throw new ApiError('NOT_ENROLLED');
    const session = new Session({
      dir: this.o.profileDir,
      store,
      org: this.org(),
      me,
      identity: await this.loadIdentity(store),
      clock: this.clock,
      log: this.log,
      emit: this.emit,
      onRevoked: () => void this.serial(() => this.revoked()),
      ...(this.o.burnGraceMs !== undefined ? { burnGraceMs: this.o.burnGraceMs } : {}),
      ...(this.o.sweepEveryMs !== undefined ? { sweepEveryMs: this.o.sweepEveryMs } : {}),
      ...(this.o.catchUpWorkerFrom !== undefined ? { catchUpWorkerFrom: this.o.catchUpWorkerFrom } : {}),
    });
    this.session = session;
    session.start();
  }

  private async unlock(passphrase: string | undefined): Promise<Status> {
    const meta = readMeta(this.o.profileDir);
    if (!meta) throw new ApiError('NOT_ENROLLED');
    if (this.store) return this.status();
    const provider = makeKeyProvider(meta.keyProvider, passphrase, this.o.keyProviders);
    let store: LocalStore;
    try {
      store = await openProfile(this.o.profileDir, provider, { backgroundCheckpoints: true });
    } catch (e) {
      const err = toApiError(e);
      throw err.code === 'INTERNAL' ? new ApiError('UNLOCK_FAILED', { cause: e }) : err;
    }
    this.store = store;
    if (meta.local) await this.startLocalRelay(store);
    if (meta.state === 'enrolling') this.watchEnrolment();
    else await this.openSession(store);
    return this.status();
  }

  private async closeSession(): Promise<void> {
    this.stopEnrolmentWatch();
    const s = this.session;
    this.session = null;
    await s?.close();
    this.store?.close();
    this.store = null;
  }

  private async lock(reason: 'user' | 'idle'): Promise<void> {
    await this.closeSession();
    await this.localRelay?.close();
    this.localRelay = null;
    this.emit({ type: 'locked', reason });
  }

  /** The organisation revoked this device: erase the profile and say so. */
  private async revoked(): Promise<void> {
    const store = this.store;
    const s = this.session;
    this.session = null;
    this.store = null;
    await s?.close().catch(() => undefined);
    wipeProfile(this.o.profileDir, store ?? undefined);
    removeMeta(this.o.profileDir);
    this.log.warn('device revoked; profile erased');
    this.emit({ type: 'connection', state: 'revoked', nextAttemptAt: null });
    this.emit({ type: 'locked', reason: 'revoked' });
  }

  // ---------------------------------------------------------------- local organisation

  private async startLocalRelay(store: LocalStore): Promise<RunningRelay> {
    if (this.localRelay) return this.localRelay;
    const org = store.repos.settings.get<string>(KEYS.org);
    const cfg = org ? parseOrgConfig(org) : null;
    const port = store.repos.settings.get<number>(KEYS.localRelayPort) ?? 0;
    const root = orgRootKeyFromBytes(new Uint8Array(Buffer.from(store.repos.settings.get<string>(KEYS.localRoot)!, 'hex')));
    const start = (p: number) =>
      this.o.startRelay({ orgId: cfg!.orgId, orgPublicKey: root.publicKey.serialize(), host: '127.0.0.1', port: p, dataDir: path.join(this.o.profileDir, 'relay'), logger: this.log });
    let relay: RunningRelay;
    try {
      relay = await start(port);
    } catch {
      relay = await start(0);
    }
    store.repos.settings.set(KEYS.localRelayPort, relay.port);
    if (cfg && cfg.relayUrl !== relay.url) store.repos.settings.set(KEYS.org, serializeOrgConfig({ ...cfg, relayUrl: relay.url }));
    this.localRelay = relay;
    return relay;
  }

  private async startLocal(input: ApiInput<'startLocalOrganisation'>): Promise<ApiResult<'startLocalOrganisation'>> {
    const store = await this.createStore(input.keyProvider, input.passphrase);
    this.store = store;
    const root = generateOrgRootKey();
    const orgId = `local-${Buffer.from(root.publicKey.serialize().subarray(1, 7)).toString('hex')}`;
    fs.mkdirSync(path.join(this.o.profileDir, 'relay'), { recursive: true, mode: 0o700 });
    store.repos.settings.set(KEYS.localRoot, Buffer.from(root.privateKey.serialize()).toString('hex'));
    const cfg: OrgConfig = {
      orgId,
      name: input.orgName,
      orgPublicKey: root.publicKey.serialize(),
      relayUrl: 'ws://127.0.0.1:0',
      relayPinSha256: null,
      classifications: parseOrgConfig(JSON.stringify({ orgId, orgPublicKey: 'AA', relayUrl: 'ws://x' })).classifications,
      recordsUserId: null,
      local: true,
    };
    store.repos.settings.set(KEYS.org, serializeOrgConfig(cfg));
    const relay = await this.startLocalRelay(store);
    const org = this.org();
    const identity = generateDeviceIdentity();
    this.saveIdentity(store, identity);

    const now = this.clock.now();
    const year = 365 * 86_400_000;
    const userId = userIdFromDisplayName(input.displayName);
    const top = Math.max(...org.classifications.map((c) => c.level));
    const member = issueMemberCertificate(root.privateKey, {
      orgId, serial: 1, userId, displayName: input.displayName, clearance: top, roles: ['security-officer', 'lead'], notBeforeMs: now - 86_400_000, notAfterMs: now + 5 * year,
    });
    const admin = await RelayClient.connect(relay.url);
    try {
      await admin.authenticateAdmin((ch) => signAdminChallenge(root.privateKey, ch));
      await admin.request({ case: 'publishMember', value: { memberCertificate: member } }, 'ok');
      const req = createEnrolmentRequest({ orgId, userName: input.displayName, deviceName: this.o.deviceName ?? os.hostname(), identity: identity.identityKeyPair, registrationId: identity.registrationId, nowMs: now });
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
        orgId, serial: 2, userId: p.matchedUserId, deviceId: p.nextDeviceId, identityKey: identity.identityKeyPair.publicKey, notBeforeMs: now - 86_400_000, notAfterMs: now + 5 * year,
      });
      await admin.request({ case: 'approveEnrolment', value: { requestId: p.requestId, code, deviceCertificate: device } }, 'ok');
      writeMeta(this.o.profileDir, { version: 1, keyProvider: input.keyProvider, orgName: input.orgName, local: true, state: 'enrolling' });
      store.repos.settings.set(KEYS.enrolment, { requestId: p.requestId, code, request: Buffer.from(req.encoded).toString('hex'), displayName: input.displayName, state: 'pending' } satisfies Enrolment);
      await this.finishEnrolment(device, member);
    } finally {
      await admin.close();
    }
    const shared = { ...org, relayUrl: relay.url };
    return { ...this.status(), relayUrl: relay.url, orgJson: serializeOrgConfig({ ...shared, local: true }) };
  }

  /** The security office of a local organisation, in the app of the officer who started it. */
  private localOfficer(): LocalOfficer {
    const session = this.need();
    const store = this.store!;
    const rootHex = store.repos.settings.get<string>(KEYS.localRoot);
    if (!this.localRelay || !rootHex || !session.meView.orgRoles.includes('security-officer')) {
      throw new ApiError('FORBIDDEN', { detail: 'only the officer of a local organisation approves devices here; otherwise use valise-admin' });
    }
    const org = this.org();
    return new LocalOfficer({
      relayUrl: this.localRelay.url,
      orgId: org.orgId,
      root: orgRootKeyFromBytes(new Uint8Array(Buffer.from(rootHex, 'hex'))),
      // Serials 1 and 2 went to the officer's own certificates when the organisation started.
      nextSerial: () => {
        const next = (store.repos.settings.get<number>(KEYS.localSerial) ?? 2) + 1;
        store.repos.settings.set(KEYS.localSerial, next);
        return next;
      },
      now: () => this.clock.now(),
    });
  }

  // ---------------------------------------------------------------- settings

  private settings(): Settings {
    const stored = this.store?.repos.settings.get<unknown>(KEYS.ui);
    const r = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(stored as object | undefined) });
    return r.success ? r.data : DEFAULT_SETTINGS;
  }

  private need(): Session {
    if (!this.session) throw new ApiError(readMeta(this.o.profileDir) ? 'LOCKED' : 'NOT_ENROLLED');
    return this.session;
  }

  private buildHandlers(): ApiHandlers {
    const s = () => this.need();
    return {
      status: () => Promise.resolve(this.status()),
      unlock: (i) => this.serial(() => this.unlock(i.passphrase)),
      lock: () => this.serial(() => this.lock('user')).then(() => ({ ok: true as const })),
      joinOrganisation: (i) => this.serial(() => this.join(i)),
      enrolmentStatus: () => {
        const e = this.store?.repos.settings.get<Enrolment>(KEYS.enrolment);
        if (this.session) return Promise.resolve({ state: 'approved' as const, comparisonCode: e?.code ?? null });
        return Promise.resolve({ state: e?.state ?? 'none', comparisonCode: e?.code ?? null });
      },
      startLocalOrganisation: (i) => this.serial(() => this.startLocal(i)),
      listEnrolmentRequests: async () => ({ requests: await this.localOfficer().pending() }),
      approveEnrolment: async (i) => {
        const r = await this.localOfficer().approve(i.requestId, i.comparisonCode, { clearance: i.clearance, roles: i.roles });
        return { userId: r.userId, deviceId: String(r.deviceId) };
      },
      listChannels: () => Promise.resolve(s().listChannels()),
      channelDetails: (i) => s().channelDetails(i.channelId),
      listMessages: (i) => Promise.resolve(s().listMessages(i)),
      send: (i) => Promise.resolve(s().send(i)),
      markRead: (i) => Promise.resolve(s().markRead(i)),
      search: (i) => Promise.resolve(s().search(i)),
      listCleared: (i) => Promise.resolve(s().listCleared(i.classification)),
      createChannel: (i) => s().createChannel(i),
      changeMembers: (i) => s().changeMembers(i),
      changePolicy: (i) => s().changePolicy(i),
      changeClassification: (i) => s().changeClassification(i),
      listOrgChannels: () => s().listOrgChannels(),
      pause: (i) => s().setPaused(i.channelId, true, i.reason),
      resume: (i) => s().setPaused(i.channelId, false, null),
      wipe: (i) => s().wipe(i),
      wipeStatus: (i) => Promise.resolve(s().wipeStatus(i.channelId)),
      verifySafetyNumber: (i) => s().verifySafetyNumber(i),
      export: (i) => Promise.resolve(s().exportChannel(i)),
      getSettings: () => Promise.resolve(this.settings()),
      setSettings: (i) => {
        if (!this.store) return Promise.reject(new ApiError('LOCKED'));
        const next = { ...this.settings(), ...i };
        this.store.repos.settings.set(KEYS.ui, next);
        return Promise.resolve(next);
      },
    };
  }
}
