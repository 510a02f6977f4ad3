/**
 * The engine while a profile is unlocked: wires the parts under session/ (channel book, directory,
 * receiving with one handler per content type, sending, receipts, retention, wipes, channel
 * commands, views) to the encrypted store and the relay connection, and exposes the channel
 * operations the API calls. Built by Engine on unlock, closed on lock.
 */
import type { Logger } from 'pino';
import { ChannelCipher, DeviceKeys, decodeChannelState, signAuthChallenge, type DeviceIdentity, type OrgTrust } from '../../crypto/index.ts';
import { MemoryMessageStore, profilePaths, type LocalStore } from '../../storage/index.ts';
import type { RelayClient } from '../../relay/RelayClient.ts';
import type { RelayPush } from '../../gen/valise/v1/relay_pb.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiInput, ApiResult } from '../../shared/api/methods.ts';
import type { ChannelDetails, ChannelSummary, ClockState, ConnectionState, Person } from '../../shared/api/schemas.ts';
import { clockState, MAX_CLOCK_SKEW_MS, type Clock } from './Clock.ts';
import { Connection } from './Connection.ts';
import { DeliveryBook } from './DeliveryBook.ts';
import { toApiError } from './errors.ts';
import { LastSeen } from './LastSeen.ts';
import { relayClientOptions, type OrgConfig } from './OrgConfig.ts';
import { Peers } from './Peers.ts';
import type { Me } from './policyRules.ts';
import type { Delivery } from './ReceivePipeline.ts';
import { hex, unhex } from './views.ts';
import { ChannelBook } from './session/ChannelBook.ts';
import { ChannelCommands } from './session/ChannelCommands.ts';
import { ChannelLifecycle } from './session/ChannelLifecycle.ts';
import { Directory } from './session/Directory.ts';
import { missedChannels } from './session/missedChannels.ts';
import { ChannelChangeHandler } from './session/handlers/ChannelChangeHandler.ts';
import { ChannelMessageHandler } from './session/handlers/ChannelMessageHandler.ts';
import { RevocationHandler } from './session/handlers/RevocationHandler.ts';
import { WipeCommandHandler } from './session/handlers/WipeCommandHandler.ts';
import { DeliveryReceiptHandler } from './session/handlers/DeliveryReceiptHandler.ts';
import { SenderKeyHandler } from './session/handlers/SenderKeyHandler.ts';
import { WipeReceiptHandler } from './session/handlers/WipeReceiptHandler.ts';
import { Members } from './session/Members.ts';
import { Officer } from './session/Officer.ts';
import { refreshPrekeys, uploadPrekeys } from './session/prekeys.ts';
import { Publisher } from './session/Publisher.ts';
import { ReadMarks } from './session/ReadMarks.ts';
import { Receipts } from './session/Receipts.ts';
import { Receiver } from './session/Receiver.ts';
import { Retention } from './session/Retention.ts';
import { Rotator } from './session/Rotator.ts';
import { Sender } from './session/Sender.ts';
import { meView, type MeRecord, type SessionContext } from './session/SessionContext.ts';
import { Views } from './session/Views.ts';
import { Wipes } from './session/Wipes.ts';

export type { MeRecord } from './session/SessionContext.ts';

export interface SessionDeps {
  dir: string;
  store: LocalStore;
  org: OrgConfig;
  me: MeRecord;
  identity: DeviceIdentity;
  clock: Clock;
  log: Logger;
  emit: (e: ApiEvent) => void;
  /** The relay says the device was revoked: true when `revocation` proves it (the Engine then wipes the profile). */
  onRevoked: (revocation: Uint8Array) => boolean;
  /** How long a burned message stays visible after being read. */
  burnGraceMs?: number;
  /** Retention sweep interval for deadlines set before this run (ms). */
  sweepEveryMs?: number;
  /** Backlog from which channel messages are decrypted in a worker thread (below it, here). */
  catchUpWorkerFrom?: number;
}

const DELIVERY_KINDS = { 1: 'envelope', 2: 'channelChange', 3: 'wipe', 4: 'revocation' } as const;

export class Session {
  readonly trust: OrgTrust;
  private readonly c: SessionContext;
  private readonly otr = new MemoryMessageStore();
  private readonly book: ChannelBook;
  private readonly directory: Directory;
  private readonly peers: Peers;
  private readonly deviceKeys: DeviceKeys;
  private readonly connection: Connection;
  private clockSeen: ClockState | null = null;
  private readonly lastSeen: LastSeen;
  private readonly deliveries: DeliveryBook;
  private readonly retention: Retention;
  private readonly lifecycle: ChannelLifecycle;
  private readonly views: Views;
  private readonly readMarks: ReadMarks;
  private readonly receipts: Receipts;
  private readonly wipes: Wipes;
  private readonly sender: Sender;
  private readonly receiver: Receiver;
  private readonly members: Members;
  private readonly officer: Officer;
  private readonly rotator: Rotator;
  private readonly commands: ChannelCommands;
  private readonly backlogArrived: Promise<void>;
  private backlogSent: (() => void) | null = null;
  private closed = false;

  constructor(private readonly d: SessionDeps) {
    const c: SessionContext = { store: d.store, org: d.org, me: d.me, meRef: { userId: d.me.userId, deviceId: d.me.deviceId }, identity: d.identity, clock: d.clock, log: d.log, emit: d.emit };
    this.c = c;
    const repos = d.store.repos;
    const relay = () => this.connection.relay;
    const authenticated = () => this.connection.authenticated;
    const expires = (messageId: string, channelId: string, at: number) => this.retention.track(messageId, channelId, at);
    const summary = (channelId: string) => this.views.summary(channelId);
    this.backlogArrived = new Promise<void>((resolve) => (this.backlogSent = resolve));

    this.directory = new Directory(c, authenticated);
    this.trust = this.directory.trust;
    this.book = new ChannelBook(repos.rotations, repos.rotations.all());
    const reasons = repos.pausedReasons.all();
    for (const rec of repos.channels.list()) {
      try {
        const state = decodeChannelState(rec.state);
        // Reasons kept apart are from before the reason was part of the signed state.
        this.book.set(rec.id, { state: { ...state, status: rec.status }, pausedReason: state.pausedReason ?? reasons.get(rec.id) ?? null });
      } catch (e) {
        d.log.warn({ err: toApiError(e).toLog() }, 'stored channel state unreadable');
      }
    }
    this.peers = new Peers(d.store.protocol, c.meRef, this.trust, () => d.clock.now());
    const channelCipher = new ChannelCipher(d.store.protocol.senderKey, c.meRef);
    this.deviceKeys = new DeviceKeys(d.store.protocol, d.identity);
    this.lastSeen = new LastSeen(() => (this.closed ? null : repos.deliveries));
    this.deliveries = new DeliveryBook(
      () => (this.closed ? null : repos.deliveries),
      (channelId) => this.book.onDisk(channelId) === true,
      () => d.clock.now(),
    );
    const lastSeenAt = (userId: string, deviceId: string | number) => this.lastSeen.get(`${userId}/${deviceId}`) ?? null;

    this.retention = new Retention(c, { book: this.book, otr: this.otr, ended: (id) => this.lifecycle.wipeLocal(id, 'ended'), ...(d.sweepEveryMs !== undefined ? { sweepEveryMs: d.sweepEveryMs } : {}) });
    this.receipts = new Receipts(c, {
      peers: this.peers,
      deliveries: this.deliveries,
      relay: authenticated,
      owed: () => (this.closed ? null : repos.pendingReceipts),
      onDisk: (channelId) => this.book.onDisk(channelId) === true,
      afterReceived: (task) => this.receiver.afterReceived(task, (e) => d.log.warn({ err: toApiError(e).toLog() }, 'receipts failed')),
      updated: (channelId, messageId) => this.views.updated(channelId, messageId),
      closed: () => this.closed,
    });
    this.readMarks = new ReadMarks(c, {
      book: this.book,
      otr: this.otr,
      receipts: this.receipts,
      storeFor: (channelId) => this.views.storeFor(channelId),
      expires,
      ...(d.burnGraceMs !== undefined ? { burnGraceMs: d.burnGraceMs } : {}),
    });
    this.views = new Views(c, { book: this.book, otr: this.otr, deliveries: this.deliveries, readMarks: this.readMarks, names: this.directory.names, expires });
    this.sender = new Sender(c, {
      book: this.book,
      directory: this.directory,
      peers: this.peers,
      channelCipher,
      deliveries: this.deliveries,
      otr: this.otr,
      relay,
      updated: (channelId, messageId) => this.views.updated(channelId, messageId),
      expires,
      beforeSend: (channelId) => this.rotator.beforeSend(channelId),
    });
    this.lifecycle = new ChannelLifecycle(c, {
      book: this.book,
      otr: this.otr,
      otrOutbox: this.sender.otrOutbox,
      deliveries: this.deliveries,
      retention: this.retention,
      keysGone: () => this.receiver.ahead.invalidate(),
      summary,
    });
    this.wipes = new Wipes(c, repos.wipes, lastSeenAt);
    const publisher = new Publisher(c, { book: this.book, directory: this.directory, relay, accepted: (state) => this.lifecycle.saveAndAccept(state) });
    this.officer = new Officer(c, { book: this.book, directory: this.directory, publisher, authenticated });
    this.rotator = new Rotator(c, { book: this.book, directory: this.directory, publisher });
    this.directory.refreshed = () => this.rotator.certificatesChanged();
    this.commands = new ChannelCommands(c, {
      book: this.book,
      directory: this.directory,
      publisher,
      officer: this.officer,
      wipes: this.wipes,
      relay,
      summary,
      details: (channelId) => this.members.channelDetails(channelId),
      wipedHere: (channelId) => this.lifecycle.wipeLocal(channelId, 'wiped'),
    });
    this.members = new Members(c, { book: this.book, directory: this.directory, peers: this.peers, lastSeen: lastSeenAt, summary });

    const openedHere = () => this.receiver.ahead.openedHere();
    const cipherFor = (uow: Parameters<Receiver['cipherFor']>[0]) => this.receiver.cipherFor(uow);
    this.receiver = new Receiver(c, {
      book: this.book,
      directory: this.directory,
      channelCipher,
      walFile: profilePaths(d.dir).wal,
      authenticated,
      healthy: () => this.connection.healthy(),
      redeliverLater: () => this.connection.redeliverLater(),
      seen: (device, at) => this.lastSeen.set(`${device.userId}/${device.deviceId}`, at),
      afterCommit: () => this.receipts.flush(),
      ...(d.catchUpWorkerFrom !== undefined ? { catchUpWorkerFrom: d.catchUpWorkerFrom } : {}),
      handlers: {
        channelChange: new ChannelChangeHandler(c, { book: this.book, directory: this.directory, authenticated, openedHere, accept: (state) => this.lifecycle.accept(state) }),
        message: new ChannelMessageHandler(c, {
          book: this.book,
          ahead: { take: (id) => this.receiver.ahead.take(id), openedHere },
          channelCipher,
          cipherFor,
          keepInMemory: (m) => this.otr.insert(m),
          expires,
          view: (m) => this.views.view(m),
          deliveredReceipt: (channelId, sender, messageId) => this.receipts.add(channelId, sender, messageId, 'delivered'),
        }),
        senderKey: new SenderKeyHandler({ book: this.book, openedHere, cipherFor }),
        deliveryReceipt: new DeliveryReceiptHandler({ book: this.book, apply: (...a) => this.receipts.apply(...a) }),
        wipeReceipt: new WipeReceiptHandler(this.wipes, (now) => this.trust.view(now)),
        wipeCommand: new WipeCommandHandler(c, { book: this.book, directory: this.directory, peers: this.peers, wipeHere: (id) => this.lifecycle.wipeLocal(id, 'wiped') }),
        revocation: new RevocationHandler(c, this.directory, (r) => this.rotator.revoked(r)),
      },
    });

    this.connection = new Connection(
      d.org.relayUrl,
      {
        authenticate: async (r) => {
          const a = await r.authenticate(unhex(d.me.deviceCertificate), (ch) => signAuthChallenge(d.identity.identityKeyPair.privateKey, ch));
          return { backlog: a.backlog };
        },
        connected: (r, backlog) => this.onConnected(r, backlog),
        push: (p) => this.onPush(p),
        state: (s, next) => this.onConnectionState(s, next),
        revoked: (revocation) => d.onRevoked(revocation),
        clockOffset: (offsetMs) => this.onClockOffset(offsetMs),
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
    this.receipts.close();
    this.closed = true;
    this.rotator.close();
    this.retention.stop();
    await this.connection.stop();
    await this.receiver.close();
  }

  /** The open profile store (benchmarks and tests fill or inspect it directly). */
  get localStore(): LocalStore {
    return this.d.store;
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  /** This device's clock against the relay's, as of the last connection (null before one). */
  get clockState(): ClockState | null {
    return this.clockSeen;
  }

  get meView(): Me {
    return meView(this.d.me);
  }

  /** True while channel messages are decrypted ahead in a worker thread (during a catch-up). */
  get decryptingAhead(): boolean {
    return this.receiver.decryptingAhead;
  }

  // ---------------------------------------------------------------- connection

  private async onConnected(r: RelayClient, backlog: number): Promise<void> {
    this.receiver.connected(backlog);
    // Receipts owed from before (relay down, app closed) go out after the catch-up.
    this.receipts.flush();
    await this.directory.refresh(r);
    await refreshPrekeys(r, this.deviceKeys, this.d.store.repos.settings, this.d.clock.now());
    // Channels created before this device was enrolled: nothing was ever pushed for them.
    const missed = missedChannels(await r.listChannels(), (id) => this.book.stateOf(id) !== undefined, this.d.me.userId);
    for (const del of missed) this.receiver.push(del);
    if (missed.length > 0) {
      this.receiver.afterReceived(
        async () => {
          for (const del of missed) await this.sender.announce(r, hex(decodeChannelState(del.payload).channelId));
        },
        (e) => this.d.log.info({ err: toApiError(e).toLog() }, 'announcing this device to a channel failed'),
      );
    }
  }

  private onClockOffset(offsetMs: number): void {
    const next = clockState(offsetMs);
    const before = this.clockSeen;
    this.clockSeen = next;
    if (before?.skewed !== next.skewed || (next.skewed && Math.abs(before.offsetMs - offsetMs) > MAX_CLOCK_SKEW_MS)) {
      if (next.skewed) this.d.log.warn({ offsetMs }, 'device clock is off from the relay');
      this.d.emit({ type: 'clock', ...next });
    }
  }

  private onConnectionState(s: ConnectionState, next: number | null): void {
    // A new connection starts over with everything unacknowledged: take deliveries again.
    if (s === 'connecting') this.receiver.pipeline.resume();
    this.sender.setConnected(s === 'online');
    this.d.emit({ type: 'connection', state: s, nextAttemptAt: next });
  }

  private onPush(p: RelayPush['body']): void {
    if (p.case === 'delivery') {
      const kind = DELIVERY_KINDS[p.value.kind as 1 | 2 | 3 | 4];
      if (!kind) return;
      const del: Delivery = { id: hex(p.value.id), kind, payload: p.value.payload };
      if (p.value.relayTimeMs > 0n) del.relayTimeMs = Number(p.value.relayTimeMs);
      this.receiver.push(del);
    } else if (p.case === 'backlogDone') {
      this.backlogSent?.();
      this.receiver.backlogDone();
    } else if (p.case === 'prekeysLow') {
      const r = this.connection.relay;
      if (r) void this.deviceKeys.topUp({ oneTime: p.value.oneTime, oneTimeKyber: p.value.oneTimeKyber }, this.d.clock.now()).then((u) => uploadPrekeys(r, u)).catch(() => undefined);
    }
  }

  /** Delivery records of own messages that retention deleted while the app was closed. */
  private forgetDeletedDeliveries(): void {
    try {
      this.d.store.repos.deliveries.pruneDeleted();
    } catch (e) {
      this.d.log.warn({ err: toApiError(e).toLog() }, 'delivery records not pruned');
    }
  }

  // ---------------------------------------------------------------- API

  summary(channelId: string): ChannelSummary {
    return this.views.summary(channelId);
  }

  listChannels(): ApiResult<'listChannels'> {
    return this.views.listChannels();
  }

  channelDetails(channelId: string): Promise<ChannelDetails> {
    return this.members.channelDetails(channelId);
  }

  listMessages(input: ApiInput<'listMessages'>): ApiResult<'listMessages'> {
    return this.views.listMessages(input);
  }

  send(input: ApiInput<'send'>): ApiResult<'send'> {
    return { message: this.views.view(this.sender.send(input)) };
  }

  markRead(input: ApiInput<'markRead'>): ApiResult<'markRead'> {
    return this.readMarks.markRead(input);
  }

  search(input: ApiInput<'search'>): ApiResult<'search'> {
    return this.views.search(input);
  }

  people(): Map<string, Person> {
    return this.directory.people();
  }

  listCleared(classification: number): ApiResult<'listCleared'> {
    const people = [...this.people().values()].filter((p) => p.clearance >= classification && !p.orgRoles.every((r) => r === 'records'));
    return { people: people.sort((a, b) => a.displayName.localeCompare(b.displayName)) };
  }

  createChannel(input: ApiInput<'createChannel'>): Promise<ChannelSummary> {
    return this.commands.createChannel(input);
  }

  changeMembers(input: ApiInput<'changeMembers'>): Promise<ChannelDetails> {
    return this.commands.changeMembers(input);
  }

  changePolicy(input: ApiInput<'changePolicy'>): Promise<ChannelDetails> {
    return this.commands.changePolicy(input);
  }

  changeClassification(input: ApiInput<'changeClassification'>): Promise<ApiResult<'changeClassification'>> {
    return this.commands.changeClassification(input);
  }

  setPaused(channelId: string, paused: boolean, reason: string | null): Promise<ChannelSummary> {
    return this.commands.setPaused(channelId, paused, reason);
  }

  wipe(input: ApiInput<'wipe'>): Promise<ApiResult<'wipe'>> {
    return this.commands.wipe(input);
  }

  listOrgChannels(): Promise<ApiResult<'listOrgChannels'>> {
    return this.officer.list();
  }

  wipeStatus(channelId: string): ApiResult<'wipeStatus'> {
    return this.wipes.status(channelId);
  }

  verifySafetyNumber(input: ApiInput<'verifySafetyNumber'>): Promise<ApiResult<'verifySafetyNumber'>> {
    return this.members.verifySafetyNumber(input);
  }

  exportChannel(input: ApiInput<'export'>): ApiResult<'export'> {
    return this.views.exportChannel(input);
  }

  /**
   * Resolves once the relay has sent everything that was queued for this device when it connected
   * and all of it is stored: what a command-line call waits for before it reads channels.
   */
  async caughtUp(): Promise<void> {
    await this.backlogArrived;
    await this.settled();
  }

  /** Waits until everything received so far is stored (tests, benchmarks, CLI `tail`). */
  settled(): Promise<void> {
    return this.receiver.settled();
  }

  get outboxIdle(): Promise<void> {
    return this.sender.idle;
  }
}
