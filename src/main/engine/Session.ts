/**
 * The engine while a profile is unlocked: the composition of the encrypted store, organisation
 * trust, the relay connection, the receive pipeline, the outbox and retention, and the channel
 * operations the API exposes. Built by Engine on unlock, closed on lock.
 */
import { randomBytes } from 'node:crypto';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { SignedRecordSchema, type SignedRecord } from '../../gen/valise/v1/common_pb.ts';
import type { Logger } from 'pino';
import {
  ChannelCipher,
  DeviceKeys,
  GroupDecryptWorker,
  orderedId,
  OrgTrust,
  applyChannelChange,
  verifyChannelChain,
  decodeContent,
  decodeEnvelope,
  decodeWipeCommand,
  encodeContent,
  encodeEnvelope,
  formatSafetyNumber,
  nextStateFields,
  orgIdentity,
  safetyNumber,
  signAuthChallenge,
  signChannelState,
  signWipeCommand,
  signWipeReceipt,
  verifyWipeCommand,
  verifyWipeReceipt,
  decodeChannelState,
  type ChannelState,
  type ChannelStateFields,
  type DeviceIdentity,
  type DeviceRef,
  type WipeCommand,
} from '../../crypto/index.ts';
import { MemoryMessageStore, profilePaths, type LocalStore, type MessageStore, type StoredMessage, type UnitOfWork } from '../../storage/index.ts';
import type { RelayClient } from '../../relay/RelayClient.ts';
import type { RelayPush } from '../../gen/valise/v1/relay_pb.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiInput, ApiResult } from '../../shared/api/methods.ts';
import type { ChannelDetails, ChannelSummary, ConnectionState, MessageView, Person } from '../../shared/api/schemas.ts';
import { normalisePolicy, type ChannelPolicy } from '../../shared/model/policy.ts';
import type { OrgRole } from '../../shared/model/roles.ts';
import { checkContentFits } from './checkContentFits.ts';
import type { Clock } from './Clock.ts';
import { Connection } from './Connection.ts';
import { DecryptAhead, type AheadPlan } from './DecryptAhead.ts';
import { DeliveryBook } from './DeliveryBook.ts';
import { LastSeen } from './LastSeen.ts';
import { OrgChannels } from './OrgChannels.ts';
import { Reachability, isUnreachable } from './Reachability.ts';
import { formatExport } from './formatExport.ts';
import { ApiError, toApiError } from './errors.ts';
import { relayClientOptions, type OrgConfig } from './OrgConfig.ts';
import { MemoryOutboxStore, Outbox, type OutboxEntry, type OutboxStore } from './Outbox.ts';
import { Peers } from './Peers.ts';
import {
  channelEnded,
  checkCleared,
  checkExport,
  checkSend,
  keepsOnDisk,
  lifetimeExpiry,
  mayCreateChannel,
  mayManage,
  mayPauseOrWipe,
  splitByClearance,
  withRecordsMember,
  type ChannelMember,
  type Me,
} from './policyRules.ts';
import { ReceiptQueue } from './ReceiptQueue.ts';
import { ReceivePipeline, type BatchScope, type Delivery } from './ReceivePipeline.ts';
import { RedeliveryNeeded, classifyReceiveError, faultCode } from './receiveFault.ts';
import { StoreFaults } from './storeFaults.ts';
import { WalSync } from '../../base/WalSync.ts';
import { RetentionScheduler } from './RetentionScheduler.ts';
import { channelView, hex, messageView, summaryOf, unhex } from './views.ts';
import { WipeTracker, type WipeRecord } from './WipeTracker.ts';
import { comparableName } from '../../shared/model/safeText.ts';

export interface MeRecord {
  userId: string;
  deviceId: number;
  displayName: string;
  clearance: number;
  orgRoles: OrgRole[];
  deviceCertificate: string;
  memberCertificate: string;
}

export interface SessionDeps {
  dir: string;
  store: LocalStore;
  org: OrgConfig;
  me: MeRecord;
  identity: DeviceIdentity;
  clock: Clock;
  log: Logger;
  emit: (e: ApiEvent) => void;
  /** The device was revoked: the Engine wipes the profile. */
  onRevoked: () => void;
  /** How long a burned message stays visible after being read. */
  burnGraceMs?: number;
  /** Retention sweep interval for deadlines set before this run (ms). */
  sweepEveryMs?: number;
  /** Backlog from which channel messages are decrypted in a worker thread (below it, here). */
  catchUpWorkerFrom?: number;
}

type Received =
  | { type: 'message'; channelId: string; message: StoredMessage; disk: boolean }
  | { type: 'channel'; state: ChannelState; rotate: boolean }
  | { type: 'receipt'; channelId: string; device: DeviceRef; at: number }
  | { type: 'delivery'; channelId: string; device: DeviceRef; messageIds: string[]; state: 'delivered' | 'read' }
  | { type: 'none' };

interface ChannelEntry {
  state: ChannelState;
  pausedReason: string | null;
}

const SETTINGS = {
  prekeysReady: 'engine.prekeysReady',
  pausedReasons: 'engine.pausedReasons',
  readUpTo: 'engine.readUpTo',
  verified: 'engine.verified',
  wipes: 'engine.wipes',
  rotatedAt: 'engine.rotatedAt',
  ui: 'ui.settings',
} as const;

const BURN_GRACE_MS = 10_000;
/** How long receipts are gathered before they are sent. */
const RECEIPT_DELAY_MS = 200;
/** Backlog from which channel messages are decrypted in a worker thread (below it, here). */
const AHEAD_FROM = 200;

export class Session {
  readonly trust: OrgTrust;
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly otr = new MemoryMessageStore();
  private readonly otrOutbox = new MemoryOutboxStore();
  private readonly peers: Peers;
  private readonly channelCipher: ChannelCipher;
  private readonly deviceKeys: DeviceKeys;
  private readonly connection: Connection;
  private readonly pipeline: ReceivePipeline<Received>;
  /** Channel messages decrypted in a worker thread ahead of the pipeline (started for a large catch-up). */
  private readonly ahead: DecryptAhead;
  private decryptWorker: GroupDecryptWorker | null = null;
  /** Envelopes decoded when they arrived (planAhead), until they are opened. */
  private readonly decoded = new Map<string, ReturnType<typeof decodeEnvelope>>();
  private readonly walSync: WalSync;
  private readonly outbox: Outbox;
  private readonly otrSender: Outbox;
  private readonly retention: RetentionScheduler;
  private readonly wipes = new WipeTracker();
  private readonly wipeCommands = new Map<string, WipeCommand>();
  private readonly reachability = new Reachability();
  /** The directory look a send started, while it is under way. */
  private directoryLook: Promise<void> = Promise.resolve();
  private readonly lastSeen = new LastSeen(() => (this.closed ? null : this.d.store.repos.deliveries));
  private readonly deliveries = new DeliveryBook(
    () => (this.closed ? null : this.d.store.repos.deliveries),
    (channelId) => this.persistsDelivery(channelId),
    () => this.d.clock.now(),
  );
  private readonly expiring = new Map<string, { channelId: string; at: number }>();
  /** `${channel}:${epoch}:${user}.${device}`: my sender key went to that device. */
  private readonly distributed = new Set<string>();
  private readonly distributions = new Map<string, Awaited<ReturnType<ChannelCipher['distribution']>>>();
  private readMarks: Record<string, { sentAt: number; id: string }> | null = null;
  private control: Promise<void> = Promise.resolve();
  private directoryAt = 0;
  /** Channel states accepted inside the batch being processed, not yet committed. */
  private readonly staged = new Map<string, ChannelState>();
  /** Channel id → the epoch whose change rotated sender keys (the previous epoch is no longer accepted). */
  private readonly rotatedAt = new Map<string, number>();
  /** Unknown senders already looked up in the directory, and when. */
  private readonly lookedUp = new Map<string, number>();
  private readonly receipts: ReceiptQueue;
  /** Receipts received and not applied yet. */
  private readonly reported: { channelId: string; device: DeviceRef; id: string; state: 'delivered' | 'read' }[] = [];
  private applying = false;
  private receiptTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly meRef: DeviceRef;

  constructor(private readonly d: SessionDeps) {
    this.meRef = { userId: d.me.userId, deviceId: d.me.deviceId };
    this.receipts = new ReceiptQueue(this.meRef);
    this.trust = new OrgTrust(orgIdentity(d.org.orgId, d.org.orgPublicKey));
    const certs = d.store.repos.records.loadCertificatesSync();
    for (const r of certs.revocations) this.tryTrust(() => this.trust.addRevocation(r));
    for (const m of certs.members) this.tryTrust(() => this.trust.addMemberCertificate(m));
    for (const dev of certs.devices) this.tryTrust(() => this.trust.addDeviceCertificate(dev));
    this.tryTrust(() => this.trust.addMemberCertificate(unhex(d.me.memberCertificate)));
    this.tryTrust(() => this.trust.addDeviceCertificate(unhex(d.me.deviceCertificate)));

    const reasons = d.store.repos.settings.get<Record<string, string>>(SETTINGS.pausedReasons) ?? {};
    for (const rec of d.store.repos.channels.list()) {
      try {
        const state = decodeChannelState(rec.state);
        // Reasons kept in settings are from before the reason was part of the signed state.
        this.channels.set(rec.id, { state: { ...state, status: rec.status }, pausedReason: state.pausedReason ?? reasons[rec.id] ?? null });
      } catch (e) {
        d.log.warn({ err: toApiError(e).toLog() }, 'stored channel state unreadable');
      }
    }
    for (const [id, epoch] of Object.entries(d.store.repos.settings.get<Record<string, number>>(SETTINGS.rotatedAt) ?? {})) this.rotatedAt.set(id, epoch);
    const wipes = d.store.repos.settings.get<{ record: Omit<WipeRecord, 'confirmed'> & { confirmed: [string, number][] }; command: string }[]>(SETTINGS.wipes) ?? [];
    this.wipes.restore(wipes.map((w) => ({ ...w.record, confirmed: new Map(w.record.confirmed) })));
    for (const w of wipes) this.wipeCommands.set(w.record.channelId, { ...decodeWipeCommand(unhex(w.command)) });

    this.peers = new Peers(d.store.protocol, this.meRef, this.trust, () => d.clock.now());
    this.channelCipher = new ChannelCipher(d.store.protocol.senderKey, this.meRef);
    this.deviceKeys = new DeviceKeys(d.store.protocol, d.identity);

    const files = profilePaths(d.dir);
    // While the profile is open SQLite keeps its WAL file, so syncing that file covers every commit.
    this.walSync = new WalSync(files.wal);
    this.ahead = new DecryptAhead({
      worker: () => this.decryptWorker,
      prepare: (del) => this.planAhead(del),
      record: (sender, distributionId) => d.store.protocol.senderKey.getRecordBytes(this.channelCipher.address(sender), distributionId),
    });
    this.pipeline = new ReceivePipeline<Received>({
      unit: {
        seen: (id) => {
          if (!d.store.repos.settings.wasReceived(id)) return false;
          this.ahead.discard(id);
          this.decoded.delete(id);
          return true;
        },
        batch: (work) => this.receiveBatch(work),
        durable: () => this.walSync.barrier(),
      },
      ack: (ids) => {
        this.connection.authenticated?.ack(ids.map(unhex));
        this.connection.healthy();
      },
      delivered: (values) => this.delivered(values),
      progress: (done, total) => d.emit({ type: 'syncProgress', done, total }),
      dropped: (del, e) => d.log.warn({ kind: del.kind, err: toApiError(e).toLog() }, 'delivery dropped'),
      failed: (e) => {
        this.staged.clear();
        this.decoded.clear();
        this.ahead.rolledBack();
        d.log.error({ err: toApiError(e instanceof RedeliveryNeeded ? e.cause : e).toLog() }, 'receive batch rolled back; the relay delivers it again');
        this.connection.redeliverLater();
      },
    });

    const transport = (entry: OutboxEntry) => this.transmit(entry);
    const events = {
      sent: (entry: OutboxEntry, devices: { userId: string; deviceId: string }[]) => this.onSent(entry, devices),
      failed: (entry: OutboxEntry, e: unknown) => this.onSendFailed(entry, e),
    };
    this.outbox = new Outbox(this.diskOutbox(), transport, events);
    this.otrSender = new Outbox(this.otrOutbox, transport, events);

    this.retention = new RetentionScheduler(d.clock, (now) => this.sweep(now), (e) => d.log.error({ err: toApiError(e).toLog() }, 'retention sweep failed'));

    this.connection = new Connection(
      d.org.relayUrl,
      {
        authenticate: async (c) => {
          const r = await c.authenticate(unhex(d.me.deviceCertificate), (ch) => signAuthChallenge(d.identity.identityKeyPair.privateKey, ch));
          return { backlog: r.backlog };
        },
        connected: (c, backlog) => this.onConnected(c, backlog),
        push: (p) => this.onPush(p),
        state: (s, next) => this.onConnectionState(s, next),
        revoked: () => d.onRevoked(),
        error: (e) => d.log.info({ err: toApiError(e).toLog() }, 'relay connection failed'),
      },
      d.clock,
    );
    this.connection.clientOptions = relayClientOptions(d.org);
  }

  /** Deletes what expired while closed (before anything is shown), then connects. */
  start(): void {
    this.forgetDeletedDeliveries();
    this.retention.start();
    this.connection.start();
  }

  async close(): Promise<void> {
    this.lastSeen.flush();
    this.closed = true;
    if (this.receiptTimer) clearTimeout(this.receiptTimer);
    this.retention.stop();
    await this.connection.stop();
    await this.pipeline.idle().catch(() => undefined);
    await this.control.catch(() => undefined);
    this.decryptWorker?.stop();
    this.walSync.close();
  }

  /** The open profile store (benchmarks and tests fill or inspect it directly). */
  get localStore(): LocalStore {
    return this.d.store;
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  get meView(): Me {
    return { userId: this.d.me.userId, clearance: this.d.me.clearance, orgRoles: this.d.me.orgRoles };
  }

  // ---------------------------------------------------------------- connection

  private async onConnected(c: RelayClient, backlog: number): Promise<void> {
    this.pipeline.expect(backlog);
    // A catch-up: channel messages are decrypted in a worker thread, ahead of the pipeline, so this
    // thread stays free for storing them (and for the UI). A few messages are opened here directly.
    if (backlog >= (this.d.catchUpWorkerFrom ?? AHEAD_FROM) && !this.decryptWorker?.alive) {
      this.decryptWorker = GroupDecryptWorker.start();
      // A batch may be open with records the worker would not see: it starts after the next commit.
      this.ahead.invalidate();
    }
    await this.refreshDirectory(c);
    const s = this.d.store.repos.settings;
    const now = this.d.clock.now();
    const upload = s.get<boolean>(SETTINGS.prekeysReady)
      ? await this.deviceKeys.topUp(await c.request({ case: 'prekeyCount', value: {} }, 'prekeyCount'), now)
      : await this.deviceKeys.initialise(now);
    await this.uploadPrekeys(c, upload);
    s.set(SETTINGS.prekeysReady, true);
  }

  private async uploadPrekeys(c: RelayClient, u: Awaited<ReturnType<DeviceKeys['topUp']>>): Promise<void> {
    if (!u.signedPrekey && !u.kyberLastResort && u.oneTime.length === 0 && u.oneTimeKyber.length === 0) return;
    await c.request(
      {
        case: 'uploadPrekeys',
        value: {
          ...(u.signedPrekey ? { signedPrekey: u.signedPrekey } : {}),
          ...(u.kyberLastResort ? { kyberLastResort: u.kyberLastResort } : {}),
          oneTime: u.oneTime,
          oneTimeKyber: u.oneTimeKyber,
        },
      },
      'ok',
    );
  }

  private async refreshDirectory(c: RelayClient): Promise<void> {
    this.directoryAt = this.d.clock.now();
    const dir = await c.request({ case: 'fetchDirectory', value: { userIds: [] } }, 'directory');
    const records = this.d.store.repos.records;
    for (const r of dir.revocations) {
      const rev = this.tryTrust(() => this.trust.addRevocation(r));
      if (rev) await records.saveRevocation(r);
    }
    for (const e of dir.entries) {
      const m = this.tryTrust(() => this.trust.addMemberCertificate(e.memberCertificate));
      if (m) await records.saveMemberCertificate(m.userId, e.memberCertificate);
      for (const dc of e.deviceCertificates) {
        const dev = this.tryTrust(() => this.trust.addDeviceCertificate(dc));
        if (dev) await records.saveDeviceCertificate(dev.userId, dev.deviceId, dc);
      }
    }
  }

  private onConnectionState(s: ConnectionState, next: number | null): void {
    // A new connection starts over with everything unacknowledged: take deliveries again.
    if (s === 'connecting') this.pipeline.resume();
    this.outbox.setConnected(s === 'online');
    this.otrSender.setConnected(s === 'online');
    this.d.emit({ type: 'connection', state: s, nextAttemptAt: next });
  }

  private onPush(p: RelayPush['body']): void {
    if (p.case === 'delivery') {
      const kinds = { 1: 'envelope', 2: 'channelChange', 3: 'wipe', 4: 'revocation' } as const;
      const kind = kinds[p.value.kind as 1 | 2 | 3 | 4];
      if (!kind) return;
      const del: Delivery = { id: hex(p.value.id), kind, payload: p.value.payload };
      if (kind === 'wipe' || kind === 'revocation') {
        // Applied outside the batch, after everything queued before it, and acked only once done.
        // After a rolled-back batch it waits for the redelivery too, so it cannot overtake it.
        this.control = this.control
          .then(() => this.pipeline.idle())
          .then(() => (this.pipeline.isHalted ? undefined : this.handleControl(del)))
          .catch((e: unknown) => this.controlFailed(del, e));
      } else {
        if (!this.pipeline.isHalted) this.ahead.push(del);
        this.pipeline.push(del);
      }
    } else if (p.case === 'backlogDone') {
      this.backlogSent?.();
      // Caught up: live traffic is opened here again, without a hop to another thread.
      void this.control
        .then(() => this.pipeline.idle())
        .then(() => this.retireWorker())
        .catch(() => undefined);
    } else if (p.case === 'prekeysLow') {
      const c = this.connection.relay;
      if (c) void this.deviceKeys.topUp({ oneTime: p.value.oneTime, oneTimeKyber: p.value.oneTimeKyber }, this.d.clock.now()).then((u) => this.uploadPrekeys(c, u)).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- receive

  /** One receive batch: opened item by item in a unit of work, committed in one transaction. */
  private async receiveBatch(work: (scope: BatchScope<Received>) => Promise<void>): Promise<void> {
    const db = this.d.store.db;
    try {
      await this.d.store.unitOfWork(async (uow) => {
        // libsignal hides why a store call failed; the watched stores keep the real reason.
        const faults = new StoreFaults();
        faults.watch(uow.protocol);
        const open = (del: Delivery) => {
          faults.clear();
          return this.open(uow, del).catch((e: unknown) => Promise.reject(faults.explain(e)));
        };
        await work({ open, keep: (id, v) => this.keep(uow, id, v), reject: (del, e) => this.reject(uow, del, e) });
        // The commit right after this does not wait for the disk; WalSync does, before the ack.
        db.pragma('synchronous = NORMAL');
      });
    } finally {
      if (db.open) db.pragma('synchronous = FULL');
    }
  }

  private async open(uow: UnitOfWork, del: Delivery): Promise<Received | null> {
    const now = this.d.clock.now();
    if (del.kind === 'channelChange') {
      this.ahead.openedHere();
      const decoded = decodeChannelState(del.payload);
      const id = hex(decoded.channelId);
      await this.knowAll([decoded.signer.userId, ...decoded.members.map((m) => m.userId)], decoded.signer);
      const prev = this.stateOf(id) ?? null;
      let r = applyChannelChange(prev, del.payload, this.trust.view(now));
      // Added at a later epoch (no previous state) or changes missed: judge the whole chain instead.
      if (r.kind === 'rejected' && decoded.epoch > (prev ? prev.epoch + 1 : 0)) r = await this.verifiedChain(decoded.channelId, prev, del.payload);
      if (r.kind === 'rejected') throw new ApiError('CONFLICT', { detail: r.reason });
      if (r.rotateSenderKeys) this.rotatedAt.set(id, r.state.epoch);
      // Later items of the same batch (the new epoch's sender keys and messages) must see it.
      this.staged.set(id, r.state);
      return { type: 'channel', state: r.state, rotate: r.rotateSenderKeys };
    }
    const env = this.decoded.get(del.id) ?? decodeEnvelope(del.payload);
    this.decoded.delete(del.id);
    await this.knowAll([env.sender.userId], env.sender);
    this.lastSeen.set(`${env.sender.userId}/${env.sender.deviceId}`, now);
    if (env.type === 'sender-key') {
      const id = hex(env.channelId);
      const state = this.stateOf(id);
      if (!state || state.status === 'wiped') return null;
      const entry = { state };
      const content = decodeContent(await this.openChannelMessage(uow, del.id, env.sender, state, env.ciphertext));
      if (content.body.case !== 'data') return null;
      const data = content.body.value;
      if (data.kind.case !== 'text') return null;
      const sentAt = Number(data.sentAtMs);
      const message: StoredMessage = {
        id: hex(data.messageId),
        channelId: id,
        sender: `${env.sender.userId}.${env.sender.deviceId}`,
        sentAt,
        receivedAt: now,
        expiresAt: lifetimeExpiry(entry.state.policy, sentAt),
        text: data.kind.value.body,
      };
      return { type: 'message', channelId: id, message, disk: keepsOnDisk(entry.state.policy) };
    }
    const peers = new Peers(uow.protocol, this.meRef, this.trust, () => now);
    const content = decodeContent(await peers.sessions.decrypt(env.sender, env.type, env.ciphertext));
    const body = content.body;
    if (body.case === 'senderKeyDistribution') {
      const dist = body.value;
      const state = this.stateOf(hex(dist.channelId));
      if (!state) return { type: 'none' };
      const epoch = Number(dist.epoch);
      // The current epoch, or the previous one while it is still accepted (a key sent just before
      // a change that removed no one); the sender must be a member of the current state either way.
      const accepted = epoch === state.epoch || (epoch === state.epoch - 1 && this.acceptsPrevious(hex(dist.channelId), state));
      if (!accepted) return { type: 'none' };
      this.ahead.openedHere();
      await this.cipherFor(uow).processMemberDistribution(env.sender, dist, { ...state, epoch });
      uow.write(() => uow.protocol.senderKey.bindDistribution(distributionIdOf(dist.distributionId), hex(dist.channelId)));
      return { type: 'none' };
    }
    if (body.case === 'data' && (body.value.kind.case === 'deliveryReceipt' || body.value.kind.case === 'readReceipt')) {
      const channelId = hex(body.value.channelId);
      const state = this.stateOf(channelId);
      // Only a member's device reports on a channel's messages; "read" only where the policy allows it.
      if (!state || !state.members.some((m) => m.userId === env.sender.userId)) return { type: 'none' };
      const read = body.value.kind.case === 'readReceipt';
      if (read && !state.policy.readReceipts) return { type: 'none' };
      return { type: 'delivery', channelId, device: env.sender, messageIds: body.value.kind.value.messageIds.map(hex), state: read ? 'read' : 'delivered' };
    }
    if (body.case === 'control' && body.value.kind.case === 'wipeReceipt') {
      const rec = body.value.kind.value;
      const encoded = signedRecordBytes(rec);
      for (const [channelId, cmd] of this.wipeCommands) {
        try {
          const r = verifyWipeReceipt(encoded, cmd, this.trust.view(now));
          return { type: 'receipt', channelId, device: r.device, at: r.wipedAtMs };
        } catch {
          // Not for this wipe; try the next.
        }
      }
    }
    return { type: 'none' };
  }

  private uowCipher: { uow: UnitOfWork; cipher: ChannelCipher } | null = null;

  /**
   * A channel message's plaintext: the worker's (checked like any other, its record staged with the
   * message) or, without one, decrypted here through the unit of work's stores. Only members of the
   * current state: a removed member still holds its old sender key.
   */
  private async openChannelMessage(uow: UnitOfWork, deliveryId: string, sender: DeviceRef, state: ChannelState, ciphertext: Uint8Array): Promise<Uint8Array> {
    const acceptPrevious = this.acceptsPrevious(hex(state.channelId), state);
    const answer = this.ahead.take(deliveryId);
    const opened = answer ? await answer : null;
    if (opened) {
      const distribution = opened.distributionId;
      try {
        this.channelCipher.checkFromMember(sender, state, distribution, acceptPrevious);
      } catch (e) {
        // Refused: the worker's record went past a message this device does not take.
        this.ahead.openedHere();
        throw e;
      }
      uow.protocol.senderKey.saveRecordBytes(this.channelCipher.address(sender), distribution, opened.record);
      return opened.plaintext;
    }
    this.ahead.openedHere();
    return this.cipherFor(uow).decryptFromMember(sender, state, ciphertext, acceptPrevious);
  }

  /** True while channel messages are decrypted ahead in a worker thread (during a catch-up). */
  get decryptingAhead(): boolean {
    return this.decryptWorker?.alive ?? false;
  }

  private retireWorker(): void {
    const w = this.decryptWorker;
    if (!w) return;
    this.decryptWorker = null;
    w.stop();
    // Answers not taken yet are dropped: those items are opened here, from the profile's records.
    this.ahead.rolledBack();
  }

  /** What the worker may decrypt ahead of the pipeline (DecryptAhead). */
  private planAhead(del: Delivery): AheadPlan {
    // A channel change may rotate keys or remove the sender: nothing after it goes ahead.
    if (del.kind !== 'envelope') return 'barrier';
    const env = decodeEnvelope(del.payload);
    // 1:1 envelopes are opened here; one that carries a sender key makes the worker start over.
    if (env.type !== 'sender-key') return 'skip';
    const id = hex(env.channelId);
    const state = this.stateOf(id);
    if (!state || state.status === 'wiped') return 'skip';
    const distributions = this.channelCipher.memberDistributions(env.sender, state, this.acceptsPrevious(id, state));
    if (distributions.length === 0) return 'skip';
    this.decoded.set(del.id, env);
    return { job: { sender: env.sender, ciphertext: env.ciphertext }, distributions };
  }

  /** Messages under the previous epoch's key are still taken unless the change to this one rotated keys. */
  private acceptsPrevious(channelId: string, state: ChannelState): boolean {
    return state.epoch > 0 && this.rotatedAt.get(channelId) !== state.epoch;
  }

  /**
   * The channel's whole chain from the relay, judged by `verifyChannelChain`: how a device added at
   * a later epoch, or that missed changes, learns the state without trusting the relay.
   */
  private async verifiedChain(channelId: Uint8Array, prev: ChannelState | null, pushed: Uint8Array): Promise<ReturnType<typeof verifyChannelChain>> {
    const relay = this.connection.authenticated;
    if (!relay) return { kind: 'rejected', reason: 'invalid-creation' };
    const { changes } = await relay.request({ case: 'fetchChannelState', value: { channelId } }, 'channelState');
    const decoded = changes.flatMap((c) => {
      try {
        return [decodeChannelState(c)];
      } catch {
        return [];
      }
    });
    const users = new Set(decoded.flatMap((c) => [c.signer.userId, ...c.members.map((m) => m.userId)]));
    for (const c of decoded) await this.knowAll([...users], c.signer);
    // It must extend what this device holds and end at the pushed record (no fork, no rollback).
    return verifyChannelChain(changes, { channelId, held: prev, pushed, now: this.trust.view(this.d.clock.now()), ever: this.trust.everIssued(this.d.clock.now()) });
  }

  /** One channel cipher per unit of work (it caches protocol addresses). */
  private cipherFor(uow: UnitOfWork): ChannelCipher {
    if (this.uowCipher?.uow !== uow) this.uowCipher = { uow, cipher: new ChannelCipher(uow.protocol.senderKey, this.meRef) };
    return this.uowCipher.cipher;
  }

  /** Inside the unit of work: what must commit together with the protocol state and the marker. */
  private keep(uow: UnitOfWork, id: string, v: Received | null): void {
    uow.write((r) => {
      r.settings.markReceived(id, this.d.clock.now());
      if (v?.type === 'message' && v.disk) r.messages.insert(v.message);
      if (v?.type === 'channel') {
        r.channels.save({
          id: hex(v.state.channelId),
          epoch: v.state.epoch,
          status: v.state.status,
          classification: v.state.classification,
          policy: v.state.policy,
          members: v.state.members,
          state: v.state.encoded,
          updatedAt: this.d.clock.now(),
        });
      }
    });
  }

  /** Bad input: dropped for good, with its marker and a content-free audit entry in the same commit. */
  private reject(uow: UnitOfWork, del: Delivery, e: unknown): void {
    uow.write((r) => {
      r.settings.markReceived(del.id, this.d.clock.now());
      r.audit.append({ actor: 'relay', action: 'delivery-dropped', subject: `${del.kind} ${del.id}`, detail: faultCode(e), at: this.d.clock.now() });
    });
  }

  private delivered(values: readonly Received[]): void {
    this.ahead.committed(this.pipeline.pending);
    for (const v of values) {
      if (v.type === 'message') {
        if (!v.disk) this.otr.insert(v.message);
        if (v.message.expiresAt !== null) this.trackExpiry(v.message.id, v.channelId, v.message.expiresAt);
        this.d.emit({ type: 'messageReceived', message: this.view(v.message) });
        this.receipts.add(v.channelId, v.message.sender, v.message.id, 'delivered');
      } else if (v.type === 'delivery') {
        this.applyReceipt(v.channelId, v.device, v.messageIds, v.state);
      } else if (v.type === 'channel') {
        if (v.rotate) this.saveRotation(hex(v.state.channelId), v.state.epoch);
        this.acceptChannel(v.state);
        const id = hex(v.state.channelId);
        if (this.staged.get(id) === v.state) this.staged.delete(id);
      } else if (v.type === 'receipt') {
        this.countReceipt(v.channelId, v.device, v.at);
      }
    }
    this.flushReceipts();
  }

  private flushReceipts(): void {
    if (this.receipts.size === 0 || this.receiptTimer) return;
    // A little later and after the catch-up: many messages become a few receipts, and sending them
    // does not compete with the messages still arriving.
    this.receiptTimer = setTimeout(() => {
      this.receiptTimer = null;
      this.sendReceipts();
    }, RECEIPT_DELAY_MS);
    this.receiptTimer.unref();
  }

  private sendReceipts(): void {
    this.control = this.control
      .then(() => this.pipeline.idle())
      .then(async () => {
        const batch = this.receipts.take();
        const relay = this.connection.authenticated;
        if (!relay || this.closed) return;
        for (const r of batch) {
          const channelId = unhex(r.channelId);
          const messageIds = r.messageIds.map(unhex);
          const kind = r.state === 'read' ? ({ case: 'readReceipt', value: { messageIds } } as const) : ({ case: 'deliveryReceipt', value: { messageIds } } as const);
          // Best effort: a receipt refused (paused channel, device gone) only leaves the sender at "sent".
          await this.peers
            .send(relay, r.device, channelId, { body: { case: 'data', value: { messageId: orderedId(this.d.clock.now()), channelId, sentAtMs: BigInt(this.d.clock.now()), kind } } })
            .catch((e: unknown) => this.d.log.info({ err: toApiError(e).toLog() }, 'receipt not sent'));
        }
      })
      .catch((e: unknown) => this.d.log.warn({ err: toApiError(e).toLog() }, 'receipts failed'));
  }

  /**
   * A member device reported my messages delivered or read. A receipt can name a thousand messages;
   * they are applied a few at a time so the event loop stays responsive (a catch-up may be running).
   */
  private applyReceipt(channelId: string, device: DeviceRef, messageIds: readonly string[], state: 'delivered' | 'read'): void {
    this.reported.push(...messageIds.map((id) => ({ channelId, device, id, state })));
    if (this.applying) return;
    this.applying = true;
    void (async () => {
      while (this.reported.length > 0 && !this.closed) {
        for (const r of this.reported.splice(0, 64)) {
          if (this.deliveries.report(r.id, r.channelId, r.device, r.state)) this.emitUpdate(r.channelId, r.id);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })()
      .catch((e: unknown) => this.d.log.warn({ err: toApiError(e).toLog() }, 'receipt not applied'))
      .finally(() => {
        this.applying = false;
      });
  }



  private saveRotation(channelId: string, epoch: number): void {
    this.rotatedAt.set(channelId, epoch);
    this.d.store.repos.settings.set(SETTINGS.rotatedAt, Object.fromEntries(this.rotatedAt));
  }

  /** Someone enrolled after our last directory look: fetch it again before judging what they sent. */
  private async knowAll(userIds: readonly string[], device: DeviceRef): Promise<void> {
    const view = this.trust.view(this.d.clock.now());
    const missing = [...(view.device(device.userId, device.deviceId) ? [] : [`${device.userId}.${device.deviceId}`]), ...userIds.filter((u) => !view.member(u))];
    const relay = this.connection.authenticated;
    if (missing.length === 0 || !relay) return;
    // Look again at most once a second, except for someone not looked up yet: a device that enrolled
    // just after a look must not have its first messages dropped.
    const now = this.d.clock.now();
    const key = missing.sort().join(',');
    if (now - this.directoryAt > 1000 || now - (this.lookedUp.get(key) ?? 0) > 30_000) {
      this.lookedUp.set(key, now);
      await this.refreshDirectory(relay);
    }
  }

  private stateOf(channelId: string): ChannelState | undefined {
    return this.staged.get(channelId) ?? this.channels.get(channelId)?.state;
  }

  private acceptChannel(state: ChannelState): void {
    const id = hex(state.channelId);
    this.channels.set(id, { state, pausedReason: state.pausedReason ?? null });
    const stillMember = state.members.some((m) => m.userId === this.d.me.userId);
    if (!stillMember || state.status === 'wiped') {
      this.wipeLocal(id, stillMember ? 'wiped' : 'removed');
      return;
    }
    if (state.policy.endsAtMs > 0 || state.policy.messageLifetimeMs > 0) this.retention.schedule(this.d.clock.now());
    this.d.emit({ type: 'channelChanged', channel: this.summary(id) });
  }

  private async handleControl(del: Delivery): Promise<void> {
    const relay = this.connection.authenticated;
    const now = this.d.clock.now();
    if (del.kind === 'revocation') {
      const rev = this.tryTrust(() => this.trust.addRevocation(del.payload));
      if (rev) await this.d.store.repos.records.saveRevocation(del.payload);
      relay?.ack([unhex(del.id)]);
      return;
    }
    const cmd = decodeWipeCommand(del.payload);
    const id = hex(cmd.channelId);
    const entry = this.channels.get(id);
    if (entry && entry.state.status !== 'wiped') {
      // The issuer may be a security officer who is not a member, enrolled after our last look.
      await this.knowAll([cmd.issuer.userId], cmd.issuer);
      const verified = verifyWipeCommand(del.payload, entry.state, this.trust.view(now));
      this.wipeLocal(id, 'wiped');
      if (relay) {
        const receipt = signWipeReceipt(this.d.identity.identityKeyPair.privateKey, this.meRef, verified, now);
        await this.peers.send(relay, verified.issuer, new Uint8Array(0), { body: { case: 'control', value: { kind: { case: 'wipeReceipt', value: recordOf(receipt) } } } });
      }
    }
    relay?.ack([unhex(del.id)]);
  }

  /** Bad input is acknowledged and noted in the audit trail; anything else waits for redelivery. */
  private controlFailed(del: Delivery, e: unknown): void {
    if (classifyReceiveError(e) === 'bad-input') {
      this.d.log.warn({ kind: del.kind, err: toApiError(e).toLog() }, 'delivery dropped');
      try {
        this.d.store.transaction((r) => {
          r.settings.markReceived(del.id, this.d.clock.now());
          r.audit.append({ actor: 'relay', action: 'delivery-dropped', subject: `${del.kind} ${del.id}`, detail: faultCode(e), at: this.d.clock.now() });
        });
        this.connection.authenticated?.ack([unhex(del.id)]);
        return;
      } catch (err) {
        e = err;
      }
    }
    this.d.log.error({ kind: del.kind, err: toApiError(e).toLog() }, 'control delivery failed; the relay delivers it again');
    this.connection.redeliverLater();
  }

  /** Crypto-shreds one channel on this device and tells the UI. */
  private wipeLocal(id: string, reason: 'wiped' | 'ended' | 'removed'): void {
    const entry = this.channels.get(id);
    if (this.d.store.repos.channels.get(id)) this.d.store.wipeChannel(id);
    // Its sender keys are gone from the profile: the worker must not go on from its copies.
    this.ahead.invalidate();
    this.otr.deleteChannel(id);
    this.otrOutbox.removeChannel(id);
    this.deliveries.forgetChannel(id);
    if (entry) this.channels.set(id, { state: { ...entry.state, status: 'wiped' }, pausedReason: null });
    for (const [mid, e] of this.expiring) if (e.channelId === id) this.expiring.delete(mid);
    this.d.emit({ type: 'channelRemoved', channelId: id, reason });
  }

  // ---------------------------------------------------------------- send

  private diskOutbox(): OutboxStore {
    const repo = this.d.store.repos.outbox;
    return {
      add: (e) => repo.enqueue(e.channelId, e.content, e.messageId, e.createdAt),
      pending: (limit) =>
        repo.due(Number.MAX_SAFE_INTEGER, limit).map((i) => ({ seq: i.id, channelId: i.channelId, messageId: i.messageId ?? '', content: i.payload, createdAt: i.createdAt, attempts: i.attempts })),
      remove: (seq) => repo.remove(seq),
      bumpAttempts: (seq) => repo.retryLater(seq, 0),
      removeChannel: (c) => repo.removeChannel(c),
    };
  }

  private async transmit(entry: OutboxEntry): Promise<{ devices: { userId: string; deviceId: string }[] }> {
    const relay = this.connection.relay;
    if (!relay) throw Object.assign(new ApiError('OFFLINE'), { transient: true });
    const ch = this.channels.get(entry.channelId);
    if (!ch || ch.state.status === 'wiped') throw new ApiError('CHANNEL_WIPED');
    const channelId = ch.state.channelId;
    const epoch = ch.state.epoch;
    try {
      const { targets, unreachable } = await this.distributeSenderKey(relay, ch.state);
      if (unreachable.length > 0) {
        this.deliveries.unreachable(entry.messageId, unreachable.map((t) => ({ userId: t.userId, deviceId: String(t.deviceId) })));
      }
      const ciphertext = await this.channelCipher.encrypt(channelId, epoch, entry.content);
      const envelope = encodeEnvelope({ channelId, sender: this.meRef, type: 'sender-key', ciphertext, sentAtMs: this.d.clock.now(), expiresAtMs: 0 });
      await relay.request({ case: 'send', value: { envelope } }, 'sent');
      return { devices: targets.map((t) => ({ userId: t.userId, deviceId: String(t.deviceId) })) };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'RELAY_UNAVAILABLE') throw Object.assign(toApiError(e), { transient: true });
      if (code === 'RATE_LIMITED') throw Object.assign(toApiError(e), { transient: true, retryAfterMs: 250 });
      throw e;
    }
  }

  /**
   * Sends my sender key for the channel's epoch to every member device that does not have it yet.
   * Devices that cannot be reached (no prekeys, no device at all: device id 0) are returned apart.
   */
  private async distributeSenderKey(relay: RelayClient, state: ChannelState): Promise<{ targets: DeviceRef[]; unreachable: DeviceRef[] }> {
    const id = hex(state.channelId);
    const targets: DeviceRef[] = [];
    const unreachable: DeviceRef[] = [];
    // A member with no known device (enrolled after our last look), or a stale directory: look
    // again — for the same deviceless members at most every 10 s, so one who never enrols does
    // not cost a directory look per message.
    const now = this.d.clock.now();
    // Another send may be looking already: its answer is the one to judge by.
    await this.directoryLook;
    const deviceless = state.members.filter((m) => m.userId !== this.d.me.userId && this.peers.devicesOf(m.userId).length === 0).map((m) => m.userId);
    const looked = `deviceless:${deviceless.sort().join(',')}`;
    if (now - this.directoryAt > 30_000 || (deviceless.length > 0 && now - (this.lookedUp.get(looked) ?? 0) > 10_000)) {
      if (deviceless.length > 0) this.lookedUp.set(looked, now);
      const look = this.refreshDirectory(relay);
      this.directoryLook = look.catch(() => undefined);
      await look;
    }
    // Created on first use; encrypting needs it even when no other device is there yet.
    const distKey = `${id}:${state.epoch}`;
    let dist = this.distributions.get(distKey);
    if (!dist) {
      dist = await this.channelCipher.distribution(state.channelId, state.epoch);
      this.distributions.set(distKey, dist);
      this.d.store.protocol.senderKey.bindDistribution(distributionIdOf(dist.distributionId), id);
    }
    for (const m of state.members) {
      const devices = this.peers.devicesOf(m.userId);
      if (devices.length === 0 && m.userId !== this.d.me.userId) unreachable.push({ userId: m.userId, deviceId: 0 });
      for (const dv of devices) {
        const done = `${id}:${state.epoch}:${dv.userId}.${dv.deviceId}`;
        const device = `${dv.userId}/${dv.deviceId}`;
        if (this.distributed.has(done)) {
          targets.push(dv);
          continue;
        }
        if (!this.reachability.shouldTry(device, now)) {
          unreachable.push(dv);
          continue;
        }
        try {
          await this.peers.send(relay, dv, state.channelId, { body: { case: 'senderKeyDistribution', value: dist } });
        } catch (e) {
          if (!isUnreachable(e)) throw e;
          this.reachability.failed(device, now);
          unreachable.push(dv);
          this.d.log.info({ err: toApiError(e).toLog() }, 'member device unreachable; the message goes to the others');
          continue;
        }
        this.reachability.reached(device);
        this.distributed.add(done);
        targets.push(dv);
      }
    }
    return { targets, unreachable };
  }

  private onSent(entry: OutboxEntry, devices: { userId: string; deviceId: string }[]): void {
    this.deliveries.sent(entry.messageId, devices);
    this.emitUpdate(entry.channelId, entry.messageId);
  }

  private onSendFailed(entry: OutboxEntry, e: unknown): void {
    this.d.log.warn({ err: toApiError(e).toLog() }, 'message refused by the relay');
    this.deliveries.failed(entry.messageId);
    this.emitUpdate(entry.channelId, entry.messageId);
  }

  private emitUpdate(channelId: string, messageId: string): void {
    const m = this.storeFor(channelId)?.get(messageId);
    if (m) this.d.emit({ type: 'messageUpdated', message: this.view(m) });
  }

  // ---------------------------------------------------------------- retention

  private trackExpiry(id: string, channelId: string, at: number): void {
    this.expiring.set(id, { channelId, at });
    this.retention.schedule(at);
  }

  private sweep(now: number): number | null {
    this.d.store.messages.deleteExpired(now);
    this.otr.deleteExpired(now);
    const gone = new Map<string, string[]>();
    for (const [id, e] of this.expiring) {
      if (e.at > now) continue;
      this.expiring.delete(id);
      gone.set(e.channelId, [...(gone.get(e.channelId) ?? []), id]);
    }
    for (const [channelId, messageIds] of gone) this.d.emit({ type: 'messageDeleted', channelId, messageIds });
    let next: number | null = null;
    const sweepEvery = this.d.sweepEveryMs ?? 500;
    for (const [id, e] of this.channels) {
      if (e.state.status === 'wiped') continue;
      const view = channelView(e.state, e.pausedReason);
      if (channelEnded(view, now)) {
        this.wipeLocal(id, 'ended');
        continue;
      }
      const p = e.state.policy;
      if (p.endsAtMs > 0) next = Math.min(next ?? p.endsAtMs, p.endsAtMs);
      // Deadlines stored before this run are not in `expiring`; a short periodic sweep covers them.
      if (p.messageLifetimeMs > 0 || p.burnAfterReading) next = Math.min(next ?? now + sweepEvery, now + sweepEvery);
    }
    for (const e of this.expiring.values()) next = Math.min(next ?? e.at, e.at);
    return next;
  }

  // ---------------------------------------------------------------- API

  /** Delivery state goes to the profile except for off-the-record channels (memory only). */
  private persistsDelivery(channelId: string): boolean {
    const e = this.channels.get(channelId);
    return e !== undefined && keepsOnDisk(e.state.policy);
  }

  /** Delivery records of own messages that retention deleted while the app was closed. */
  private forgetDeletedDeliveries(): void {
    try {
      this.d.store.repos.deliveries.pruneDeleted();
    } catch (e) {
      this.d.log.warn({ err: toApiError(e).toLog() }, 'delivery records not pruned');
    }
  }

  private entry(channelId: string): ChannelEntry {
    const e = this.channels.get(channelId);
    if (!e || e.state.status === 'wiped') throw new ApiError('NOT_FOUND');
    return e;
  }

  private storeFor(channelId: string): MessageStore | undefined {
    const e = this.channels.get(channelId);
    if (!e) return undefined;
    return keepsOnDisk(e.state.policy) ? this.d.store.messages : this.otr;
  }

  private names = (userId: string): string => this.trust.view(this.d.clock.now()).member(userId)?.displayName ?? userId;

  private view(m: StoredMessage): MessageView {
    // Only my own messages have a delivery state (and looking one up may read the profile).
    const mine = m.sender === `${this.d.me.userId}.${this.d.me.deviceId}`;
    const { delivery, deliveries } = mine ? this.deliveries.view(m.id, this.channels.get(m.channelId)?.state.policy.readReceipts ?? false) : { delivery: null, deliveries: [] };
    const read = this.readUpTo()[m.channelId];
    const readByMe = read !== undefined && (m.sentAt < read.sentAt || (m.sentAt === read.sentAt && m.id <= read.id));
    return messageView(m, this.meRef, this.names, { delivery, deliveries }, readByMe);
  }

  private readUpTo(): Record<string, { sentAt: number; id: string }> {
    this.readMarks ??= this.d.store.repos.settings.get(SETTINGS.readUpTo) ?? {};
    return this.readMarks;
  }

  summary(channelId: string): ChannelSummary {
    const e = this.channels.get(channelId)!;
    const store = this.storeFor(channelId)!;
    const last = store.latest(channelId, 1)[0];
    const read = this.readUpTo()[channelId];
    // Unread: a cheap bound (the page the UI shows first), not a full count.
    const unread = store.latest(channelId, 100).filter((m) => !m.sender.startsWith(`${this.d.me.userId}.`) && (!read || m.sentAt > read.sentAt)).length;
    return summaryOf(channelView(e.state, e.pausedReason), this.meView, this.d.clock.now(), { unread, lastMessageAt: last?.sentAt ?? null });
  }

  listChannels(): ApiResult<'listChannels'> {
    const ids = [...this.channels.entries()].filter(([, e]) => e.state.status !== 'wiped').map(([id]) => id);
    const channels = ids.map((id) => this.summary(id)).sort((a, b) => (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
    return { channels };
  }

  async channelDetails(channelId: string): Promise<ChannelDetails> {
    const e = this.entry(channelId);
    const now = this.d.clock.now();
    const view = this.trust.view(now);
    const myKey = this.d.identity.identityKeyPair.publicKey;
    const verified = this.d.store.repos.settings.get<Record<string, string>>(SETTINGS.verified) ?? {};
    const members = [];
    for (const m of e.state.members) {
      const cert = view.member(m.userId);
      const devices = [];
      for (const dc of this.trust.devicesOf(m.userId, now)) {
        if (dc.userId === this.d.me.userId && dc.deviceId === this.d.me.deviceId) continue;
        const digits = safetyNumber(this.d.me.userId, myKey, dc.userId, dc.identityKey).digits;
        const ref = { userId: dc.userId, deviceId: dc.deviceId };
        devices.push({
          deviceId: String(dc.deviceId),
          safetyNumber: formatSafetyNumber(digits),
          verified: verified[`${dc.userId}.${dc.deviceId}`] === digits,
          identityChanged: await this.peers.sessions.identityChanged(ref).catch(() => false),
          lastSeenAt: this.lastSeen.get(`${dc.userId}/${dc.deviceId}`) ?? null,
          revoked: false,
        });
      }
      members.push({ userId: m.userId, displayName: cert?.displayName ?? m.userId, role: m.role, clearance: cert?.clearance ?? 0, orgRoles: cert?.roles ?? [], devices });
    }
    const first = e.state;
    return { ...this.summary(channelId), epoch: e.state.epoch, members, createdAt: first.signedAtMs, createdBy: first.signer.userId };
  }

  listMessages(input: ApiInput<'listMessages'>): ApiResult<'listMessages'> {
    this.entry(input.channelId);
    const store = this.storeFor(input.channelId)!;
    const before = input.before ? parseCursor(input.before) : undefined;
    const page = store.latest(input.channelId, input.limit, before ? { before } : undefined).reverse();
    const last = page.at(-1);
    const nextCursor = page.length === input.limit && last ? `${last.sentAt}:${last.id}` : null;
    for (const m of page) if (m.expiresAt !== null) this.trackExpiry(m.id, m.channelId, m.expiresAt);
    return { messages: page.map((m) => this.view(m)), nextCursor };
  }

  send(input: ApiInput<'send'>): ApiResult<'send'> {
    const e = this.entry(input.channelId);
    const now = this.d.clock.now();
    checkSend(channelView(e.state, e.pausedReason), this.meView, now, input.attachments?.length ?? 0);
    if (input.attachments?.length) throw new ApiError('POLICY_REFUSED', { detail: 'attachments are not supported yet' });
    // Time-ordered: stored on every member device, where it keys an index.
    const messageId = orderedId(now);
    const id = hex(messageId);
    const content = encodeContent({
      body: { case: 'data', value: { messageId, channelId: e.state.channelId, sentAtMs: BigInt(now), kind: { case: 'text', value: { body: input.text } } } },
    });
    checkContentFits(content);
    const message: StoredMessage = {
      id,
      channelId: input.channelId,
      sender: `${this.d.me.userId}.${this.d.me.deviceId}`,
      sentAt: now,
      receivedAt: now,
      expiresAt: lifetimeExpiry(e.state.policy, now),
      text: input.text,
    };
    const entry = { channelId: input.channelId, messageId: id, content, createdAt: now };
    if (keepsOnDisk(e.state.policy)) {
      // The message, its outbox row and its delivery record land together: nothing is "sent" that is not also kept.
      this.d.store.transaction((r) => {
        r.messages.insert(message);
        r.outbox.enqueue(entry.channelId, entry.content, entry.messageId, now);
        this.deliveries.own(id, input.channelId);
      });
      void this.outbox.flush();
    } else {
      this.deliveries.own(id, input.channelId);
      this.otr.insert(message);
      this.otrSender.enqueue(entry);
    }
    if (message.expiresAt !== null) this.trackExpiry(id, input.channelId, message.expiresAt);
    return { message: this.view(message) };
  }

  markRead(input: ApiInput<'markRead'>): ApiResult<'markRead'> {
    const e = this.entry(input.channelId);
    const store = this.storeFor(input.channelId)!;
    const target = store.get(input.upToMessageId);
    if (!target || target.channelId !== input.channelId) throw new ApiError('NOT_FOUND');
    if (e.state.policy.readReceipts) {
      const before = this.readUpTo()[input.channelId];
      const mine = `${this.d.me.userId}.${this.d.me.deviceId}`;
      for (const m of store.latest(input.channelId, 500)) {
        const upTo = m.sentAt < target.sentAt || (m.sentAt === target.sentAt && m.id <= target.id);
        const already = before !== undefined && (m.sentAt < before.sentAt || (m.sentAt === before.sentAt && m.id <= before.id));
        if (upTo && !already && m.sender !== mine) this.receipts.add(input.channelId, m.sender, m.id, 'read');
      }
      this.flushReceipts();
    }
    const all = { ...this.readUpTo(), [input.channelId]: { sentAt: target.sentAt, id: target.id } };
    this.d.store.repos.settings.set(SETTINGS.readUpTo, all);
    this.readMarks = all;
    if (e.state.policy.burnAfterReading) {
      const at = this.d.clock.now() + (this.d.burnGraceMs ?? BURN_GRACE_MS);
      for (const m of store.latest(input.channelId, 500)) {
        if (m.sentAt > target.sentAt || m.sender.startsWith(`${this.d.me.userId}.`)) continue;
        if (m.expiresAt !== null && m.expiresAt <= at) continue;
        // The deadline is written to the row, so it survives a restart.
        const burned = { ...m, expiresAt: at };
        if (store === this.otr) {
          this.otr.delete(m.id);
          this.otr.insert(burned);
        } else this.d.store.messages.setExpiry(m.id, at);
        this.trackExpiry(m.id, m.channelId, at);
      }
    }
    return { ok: true };
  }

  search(input: ApiInput<'search'>): ApiResult<'search'> {
    const opts = { limit: input.limit, ...(input.channelId ? { channelId: input.channelId } : {}) };
    const found = [...this.d.store.messages.search(input.query, opts), ...this.otr.search(input.query, opts)]
      .filter((m) => this.channels.get(m.channelId)?.state.status !== 'wiped')
      .sort((a, b) => b.sentAt - a.sentAt)
      .slice(0, input.limit);
    return { hits: found.map((m) => ({ message: this.view(m), snippet: m.text.slice(0, 160) })) };
  }

  people(): Map<string, Person> {
    const now = this.d.clock.now();
    const out = new Map<string, Person>();
    const view = this.trust.view(now);
    for (const userId of this.knownUsers()) {
      const m = view.member(userId);
      if (m) out.set(userId, { userId, displayName: m.displayName, clearance: m.clearance, orgRoles: m.roles });
    }
    return out;
  }

  private knownUsers(): string[] {
    const certs = this.d.store.repos.records.loadCertificatesSync();
    const ids = new Set<string>([this.d.me.userId]);
    for (const m of certs.members) {
      const c = this.tryTrust(() => this.trust.addMemberCertificate(m));
      if (c) ids.add(c.userId);
    }
    return [...ids];
  }

  listCleared(classification: number): ApiResult<'listCleared'> {
    const people = [...this.people().values()].filter((p) => p.clearance >= classification && !p.orgRoles.every((r) => r === 'records'));
    return { people: people.sort((a, b) => a.displayName.localeCompare(b.displayName)) };
  }

  private async publish(fields: ChannelStateFields, prev: ChannelState | null): Promise<ChannelState> {
    const state = await this.signAndPublish(fields, prev);
    const id = hex(state.channelId);
    this.d.store.transaction((repos) =>
      repos.channels.save({ id, epoch: state.epoch, status: state.status, classification: state.classification, policy: state.policy, members: state.members, state: state.encoded, updatedAt: this.d.clock.now() }),
    );
    this.acceptChannel(state);
    return state;
  }

  /** Signs a new channel state, checks it as every member will, and hands it to the relay. */
  private async signAndPublish(fields: ChannelStateFields, prev: ChannelState | null): Promise<ChannelState> {
    const relay = this.connection.relay;
    if (!relay) throw new ApiError('OFFLINE');
    const encoded = signChannelState(this.d.identity.identityKeyPair.privateKey, fields);
    const r = applyChannelChange(prev, encoded, this.trust.view(this.d.clock.now()));
    if (r.kind === 'rejected') {
      throw new ApiError(r.reason === 'member-not-cleared' ? 'NOT_CLEARED' : r.reason === 'not-allowed' || r.reason === 'classification-lowered' ? 'FORBIDDEN' : r.reason === 'recording-switch' ? 'POLICY_REFUSED' : 'CONFLICT', { detail: r.reason });
    }
    try {
      await relay.request({ case: 'publishChannelChange', value: { change: encoded } }, 'ok');
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'CHANNEL_CHANGE_REFUSED') throw new ApiError('CONFLICT', { cause: e });
      throw toApiError(e);
    }
    if (r.rotateSenderKeys) this.saveRotation(hex(r.state.channelId), r.state.epoch);
    return r.state;
  }

  private signer(): DeviceRef {
    return this.meRef;
  }

  /** People by id; looks the directory up again when someone asked for is not known yet. */
  private async peopleIncluding(userIds: readonly string[]): Promise<Map<string, Person>> {
    const people = this.people();
    const relay = this.connection.relay;
    if (relay && userIds.some((u) => !people.has(u))) {
      await this.refreshDirectory(relay);
      return this.people();
    }
    return people;
  }

  async createChannel(input: ApiInput<'createChannel'>): Promise<ChannelSummary> {
    if (!mayCreateChannel(this.meView)) throw new ApiError('FORBIDDEN');
    const people = await this.peopleIncluding(input.memberUserIds);
    const others = [...new Set(input.memberUserIds)].filter((u) => u !== this.d.me.userId);
    checkCleared([this.d.me.userId, ...others], people, input.classification);
    const policy = normalisePolicy(input.policy as ChannelPolicy);
    const members: ChannelMember[] = withRecordsMember(
      [{ userId: this.d.me.userId, role: 'owner' }, ...others.map((u) => ({ userId: u, role: 'member' as const }))],
      policy,
      this.d.org.recordsUserId,
    );
    const name = input.direct ? `@${[this.d.me.displayName, ...others.map((u) => people.get(u)?.displayName ?? u)].join(', ')}` : input.name;
    const state = await this.publish(
      {
        channelId: randomBytes(16),
        epoch: 0,
        previousHash: new Uint8Array(0),
        name,
        classification: input.classification,
        policy,
        members,
        status: 'active',
        signer: this.signer(),
        signedAtMs: this.d.clock.now(),
      },
      null,
    );
    return this.summary(hex(state.channelId));
  }

  private async change(channelId: string, change: Parameters<typeof nextStateFields>[3], allowed: (me: Me) => boolean): Promise<ChannelState> {
    const e = this.entry(channelId);
    if (!allowed(this.meView)) throw new ApiError('FORBIDDEN');
    return this.publish(nextStateFields(e.state, this.signer(), Math.max(this.d.clock.now(), e.state.signedAtMs + 1), change), e.state);
  }

  async changeMembers(input: ApiInput<'changeMembers'>): Promise<ChannelDetails> {
    const e = this.entry(input.channelId);
    const people = await this.peopleIncluding(input.add.map((a) => a.userId));
    checkCleared(input.add.map((a) => a.userId), people, e.state.classification);
    const removed = new Set(input.remove);
    let members = e.state.members.filter((m) => !removed.has(m.userId));
    for (const a of input.add) if (!members.some((m) => m.userId === a.userId)) members.push({ userId: a.userId, role: a.role });
    members = withRecordsMember(members, e.state.policy, this.d.org.recordsUserId);
    await this.change(input.channelId, { members }, (me) => mayManage(channelView(e.state, null), me));
    return this.channelDetails(input.channelId);
  }

  async changePolicy(input: ApiInput<'changePolicy'>): Promise<ChannelDetails> {
    const e = this.entry(input.channelId);
    const policy = normalisePolicy(input.policy as ChannelPolicy);
    if (policy.recording === 'off-the-record' !== (e.state.policy.recording === 'off-the-record')) {
      // Moving messages between memory and disk would either write off-the-record text or lose recorded text.
      throw new ApiError('POLICY_REFUSED', { detail: 'recording cannot switch to or from off-the-record; create a new channel' });
    }
    const members = withRecordsMember(e.state.members, policy, this.d.org.recordsUserId);
    await this.change(input.channelId, { policy, members }, (me) => mayManage(channelView(e.state, null), me));
    return this.channelDetails(input.channelId);
  }

  async changeClassification(input: ApiInput<'changeClassification'>): Promise<ApiResult<'changeClassification'>> {
    const e = this.entry(input.channelId);
    const { kept, removed } = splitByClearance(e.state.members, this.people(), input.classification);
    await this.change(input.channelId, { classification: input.classification, members: kept }, (me) => mayManage(channelView(e.state, null), me));
    return { channel: await this.channelDetails(input.channelId), removedUserIds: removed };
  }

  async setPaused(channelId: string, paused: boolean, reason: string | null): Promise<ChannelSummary> {
    if (this.actsAsOfficer(channelId)) return this.officerSetPaused(channelId, paused, reason);
    const e = this.entry(channelId);
    // The reason travels in the signed state, so every member shows the same one.
    await this.change(channelId, { status: paused ? 'paused' : 'active', pausedReason: paused && reason ? reason : undefined }, (me) => mayPauseOrWipe(channelView(e.state, null), me));
    const reasons = this.d.store.repos.settings.get<Record<string, string>>(SETTINGS.pausedReasons) ?? {};
    if (channelId in reasons) {
      delete reasons[channelId];
      this.d.store.repos.settings.set(SETTINGS.pausedReasons, reasons);
    }
    const summary = this.summary(channelId);
    this.d.emit({ type: 'channelChanged', channel: summary });
    return summary;
  }

  async wipe(input: ApiInput<'wipe'>): Promise<ApiResult<'wipe'>> {
    const member = !this.actsAsOfficer(input.channelId);
    // An officer who is not a member signs on top of the chain as verified just now.
    const state = member ? this.entry(input.channelId).state : await this.orgChannels.state(input.channelId);
    if (!mayPauseOrWipe(channelView(state, null), this.meView)) throw new ApiError('FORBIDDEN');
    if (comparableName(input.confirmName) !== comparableName(state.name)) throw new ApiError('BAD_REQUEST', { detail: 'the typed name does not match the channel' });
    const relay = this.connection.relay;
    if (!relay) throw new ApiError('OFFLINE');
    const now = this.d.clock.now();
    const encoded = signWipeCommand(this.d.identity.identityKeyPair.privateKey, this.meRef, state, now);
    const cmd = verifyWipeCommand(encoded, state, this.trust.view(now));
    const expected = state.members.flatMap((m) =>
      this.trust.devicesOf(m.userId, now).map((dc) => ({ userId: dc.userId, deviceId: String(dc.deviceId), displayName: this.names(dc.userId) })),
    );
    this.wipes.issue(input.channelId, hex(cmd.hash), now, expected);
    this.wipeCommands.set(input.channelId, cmd);
    this.saveWipes(encoded);
    await relay.request({ case: 'sendWipe', value: { wipe: encoded } }, 'sent');
    if (member) {
      this.wipeLocal(input.channelId, 'wiped');
      this.countReceipt(input.channelId, this.meRef, now);
    } else {
      this.orgChannels.forget(input.channelId);
    }
    return { wipeId: hex(cmd.hash), total: expected.length };
  }

  // ---------------------------------------------------------------- security officer

  private get isOfficer(): boolean {
    return this.d.me.orgRoles.includes('security-officer');
  }

  /** A security officer acting on a channel this device is not (or no longer) a member of. */
  private actsAsOfficer(channelId: string): boolean {
    const e = this.channels.get(channelId);
    return this.isOfficer && (!e || e.state.status === 'wiped');
  }

  private orgChannelsCache: OrgChannels | null = null;

  private get orgChannels(): OrgChannels {
    this.orgChannelsCache ??= new OrgChannels({
      relay: () => this.connection.authenticated,
      trust: () => this.trust,
      now: () => this.d.clock.now(),
      knowAll: (users, signer) => this.knowAll(users, signer),
      rejected: (channelId, reason) => this.d.log.warn({ channelId, reason }, 'organisation channel left out: its chain does not verify'),
    });
    return this.orgChannelsCache;
  }

  async listOrgChannels(): Promise<ApiResult<'listOrgChannels'>> {
    if (!this.isOfficer) throw new ApiError('FORBIDDEN');
    const states = await this.orgChannels.list();
    const channels = states.map((st) => {
      const id = hex(st.channelId);
      const mine = this.channels.get(id);
      return {
        id,
        name: st.name,
        classification: st.classification,
        status: st.status,
        pausedReason: st.status === 'paused' ? (st.pausedReason ?? null) : null,
        membersCount: st.members.length,
        member: mine !== undefined && mine.state.status !== 'wiped',
        policy: st.policy,
        changedAt: st.signedAtMs,
      };
    });
    return { channels: channels.sort((a, b) => b.classification - a.classification || a.name.localeCompare(b.name)) };
  }

  /** Pause or resume by an officer who is not a member: nothing is kept locally, no channel event. */
  private async officerSetPaused(channelId: string, paused: boolean, reason: string | null): Promise<ChannelSummary> {
    const prev = await this.orgChannels.state(channelId);
    const fields = nextStateFields(prev, this.signer(), Math.max(this.d.clock.now(), prev.signedAtMs + 1), { status: paused ? 'paused' : 'active', pausedReason: paused && reason ? reason : undefined });
    const state = await this.signAndPublish(fields, prev);
    this.orgChannels.remember(state);
    const view = channelView(state, state.pausedReason ?? null);
    return { ...summaryOf(view, this.meView, this.d.clock.now(), { unread: 0, lastMessageAt: null }), member: false };
  }

  private saveWipes(latestEncoded?: Uint8Array): void {
    const s = this.d.store.repos.settings;
    const prev = s.get<{ record: { channelId: string }; command: string }[]>(SETTINGS.wipes) ?? [];
    const commands = new Map(prev.map((p) => [p.record.channelId, p.command]));
    if (latestEncoded) commands.set(hex(decodeWipeCommand(latestEncoded).channelId), hex(latestEncoded));
    s.set(
      SETTINGS.wipes,
      this.wipes.snapshot().map((w) => ({ record: { ...w, confirmed: [...w.confirmed.entries()] }, command: commands.get(w.channelId) ?? '' })),
    );
  }

  private countReceipt(channelId: string, device: DeviceRef, at: number): void {
    const cmd = this.wipeCommands.get(channelId);
    if (!cmd) return;
    const r = this.wipes.confirm(channelId, hex(cmd.hash), device.userId, String(device.deviceId), at);
    if (!r) return;
    this.saveWipes();
    this.d.emit({ type: 'wipeProgress', channelId, confirmed: r.confirmed, total: r.total });
  }

  wipeStatus(channelId: string): ApiResult<'wipeStatus'> {
    const s = this.wipes.status(channelId, (u, dv) => this.lastSeen.get(`${u}/${dv}`) ?? null);
    if (!s) throw new ApiError('NOT_FOUND');
    return s;
  }

  async verifySafetyNumber(input: ApiInput<'verifySafetyNumber'>): Promise<ApiResult<'verifySafetyNumber'>> {
    const now = this.d.clock.now();
    const devices = this.trust.devicesOf(input.userId, now).filter((dc) => input.deviceId === undefined || String(dc.deviceId) === input.deviceId);
    if (devices.length === 0) throw new ApiError('NOT_FOUND');
    const verified = this.d.store.repos.settings.get<Record<string, string>>(SETTINGS.verified) ?? {};
    for (const dc of devices) {
      const digits = safetyNumber(this.d.me.userId, this.d.identity.identityKeyPair.publicKey, dc.userId, dc.identityKey).digits;
      if (input.safetyNumber !== undefined && input.safetyNumber.replace(/\D/g, '') !== digits) throw new ApiError('SAFETY_NUMBER_MISMATCH');
      await this.peers.sessions.approveIdentity({ userId: dc.userId, deviceId: dc.deviceId });
      verified[`${dc.userId}.${dc.deviceId}`] = digits;
    }
    this.d.store.repos.settings.set(SETTINGS.verified, verified);
    return { verified: true };
  }

  exportChannel(input: ApiInput<'export'>): ApiResult<'export'> {
    const e = this.entry(input.channelId);
    checkExport(channelView(e.state, e.pausedReason));
    const all: StoredMessage[] = [];
    let before: { sentAt: number; id: string } | undefined;
    for (;;) {
      const page = this.d.store.messages.latest(input.channelId, 500, before ? { before } : undefined);
      all.unshift(...page);
      if (page.length < 500) break;
      before = { sentAt: page[0]!.sentAt, id: page[0]!.id };
    }
    const label = this.d.org.classifications.find((c) => c.level === e.state.classification)?.label ?? String(e.state.classification);
    return formatExport({ channelName: e.state.name, classificationLabel: label, messages: all, nameOf: this.names, format: input.format });
  }

  private backlogSent: (() => void) | null = null;
  private readonly backlogArrived = new Promise<void>((resolve) => (this.backlogSent = resolve));

  /**
   * Resolves once the relay has sent everything that was queued for this device when it connected
   * and all of it is stored: what a command-line call waits for before it reads channels.
   */
  async caughtUp(): Promise<void> {
    await this.backlogArrived;
    await this.settled();
  }

  /** Waits until everything received so far is stored (tests, benchmarks, CLI `tail`). */
  async settled(): Promise<void> {
    await this.pipeline.idle();
    await this.control;
  }

  get outboxIdle(): Promise<void> {
    return Promise.all([this.outbox.flush(), this.otrSender.flush()]).then(() => undefined);
  }

  private tryTrust<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch {
      return undefined;
    }
  }
}

function parseCursor(c: string): { sentAt: number; id: string } | undefined {
  const i = c.indexOf(':');
  const sentAt = Number(c.slice(0, i));
  return i > 0 && Number.isSafeInteger(sentAt) ? { sentAt, id: c.slice(i + 1) } : undefined;
}

function distributionIdOf(bytes: Uint8Array): string {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A SignedRecord message from its encoded bytes, and back (control messages carry them). */
function recordOf(encoded: Uint8Array): SignedRecord {
  return fromBinary(SignedRecordSchema, encoded);
}

function signedRecordBytes(r: SignedRecord): Uint8Array {
  return toBinary(SignedRecordSchema, r);
}
