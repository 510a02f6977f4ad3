/**
 * Receiving: deliveries from the relay go through the receive pipeline (opened in one unit of work,
 * committed in one transaction, acknowledged only once the commit is on disk); what each yields is
 * a typed event handed to the handler of its type (handlers/). Wipes and revocations are applied
 * apart, after everything queued before them. During a large catch-up channel messages are
 * decrypted ahead in a worker thread.
 */
import { ChannelCipher, GroupDecryptWorker, decodeContent, decodeEnvelope, type DeviceRef } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import type { UnitOfWork } from '../../../storage/index.ts';
import { DecryptAhead, type AheadPlan } from '../DecryptAhead.ts';
import { toApiError } from '../errors.ts';
import { Peers } from '../Peers.ts';
import { ReceivePipeline, type BatchScope, type Delivery } from '../ReceivePipeline.ts';
import { RedeliveryNeeded, classifyReceiveError } from '../receiveFault.ts';
import { StoreFaults } from '../storeFaults.ts';
import { WalSync } from '../../../base/WalSync.ts';
import { hex, unhex } from '../views.ts';
import { channelRecord, type ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import { dropBadInput } from './dropBadInput.ts';
import type { ChannelChangeHandler } from './handlers/ChannelChangeHandler.ts';
import type { ChannelMessageHandler } from './handlers/ChannelMessageHandler.ts';
import type { RevocationHandler } from './handlers/RevocationHandler.ts';
import type { WipeCommandHandler } from './handlers/WipeCommandHandler.ts';
import type { DeliveryReceiptHandler } from './handlers/DeliveryReceiptHandler.ts';
import { NOTHING, dispatchCommitted, type Received } from './handlers/events.ts';
import type { SenderKeyHandler } from './handlers/SenderKeyHandler.ts';
import type { WipeReceiptHandler } from './handlers/WipeReceiptHandler.ts';
import type { SessionContext } from './SessionContext.ts';

/** Backlog from which channel messages are decrypted in a worker thread (below it, here). */
const AHEAD_FROM = 200;

export interface ReceiveHandlers {
  channelChange: ChannelChangeHandler;
  message: ChannelMessageHandler;
  senderKey: SenderKeyHandler;
  deliveryReceipt: DeliveryReceiptHandler;
  wipeReceipt: WipeReceiptHandler;
  wipeCommand: WipeCommandHandler;
  revocation: RevocationHandler;
}

export interface ReceiverDeps {
  book: ChannelBook;
  directory: Directory;
  channelCipher: ChannelCipher;
  handlers: ReceiveHandlers;
  /** The profile's WAL file: synced before anything committed is acknowledged. */
  walFile: string;
  authenticated: () => RelayClient | null;
  /** Committed items were acknowledged: the connection works. */
  healthy: () => void;
  /** A batch rolled back: reconnect after a back-off so the relay delivers it again. */
  redeliverLater: () => void;
  /** A peer device was heard from. */
  seen: (device: DeviceRef, at: number) => void;
  /** After each commit, once its events are handled. */
  afterCommit: () => void;
  catchUpWorkerFrom?: number;
}

export class Receiver {
  readonly pipeline: ReceivePipeline<Received>;
  /** Channel messages decrypted in a worker thread ahead of the pipeline (started for a large catch-up). */
  readonly ahead: DecryptAhead;
  private decryptWorker: GroupDecryptWorker | null = null;
  /** Envelopes decoded when they arrived (planAhead), until they are opened. */
  private readonly decoded = new Map<string, ReturnType<typeof decodeEnvelope>>();
  private readonly walSync: WalSync;
  private control: Promise<void> = Promise.resolve();
  private uowCipher: { uow: UnitOfWork; cipher: ChannelCipher } | null = null;

  constructor(
    private readonly c: SessionContext,
    private readonly d: ReceiverDeps,
  ) {
    const { store, log, emit } = c;
    // While the profile is open SQLite keeps its WAL file, so syncing that file covers every commit.
    this.walSync = new WalSync(d.walFile);
    this.ahead = new DecryptAhead({
      worker: () => this.decryptWorker,
      prepare: (del) => this.planAhead(del),
      record: (sender, distributionId) => store.protocol.senderKey.getRecordBytes(d.channelCipher.address(sender), distributionId),
    });
    this.pipeline = new ReceivePipeline<Received>({
      unit: {
        seen: (id) => {
          if (!store.repos.received.wasReceived(id)) return false;
          this.ahead.discard(id);
          this.decoded.delete(id);
          return true;
        },
        batch: (work) => this.receiveBatch(work),
        durable: () => this.walSync.barrier(),
      },
      ack: (ids) => {
        d.authenticated()?.ack(ids.map(unhex));
        d.healthy();
      },
      delivered: (values) => {
        this.ahead.committed(this.pipeline.pending);
        const h = d.handlers;
        dispatchCommitted(values, {
          message: (v) => h.message.committed(v),
          delivery: (v) => h.deliveryReceipt.committed(v),
          channel: (v) => h.channelChange.committed(v),
          receipt: (v) => h.wipeReceipt.committed(v),
        });
        d.afterCommit();
      },
      progress: (done, total) => emit({ type: 'syncProgress', done, total }),
      dropped: (del, e) => log.warn({ kind: del.kind, err: toApiError(e).toLog() }, 'delivery dropped'),
      failed: (e) => {
        d.book.clearStaged();
        this.decoded.clear();
        this.ahead.rolledBack();
        log.error({ err: toApiError(e instanceof RedeliveryNeeded ? e.cause : e).toLog() }, 'receive batch rolled back; the relay delivers it again');
        d.redeliverLater();
      },
    });
  }

  /** A new authenticated connection with this many items queued for this device. */
  connected(backlog: number): void {
    this.pipeline.expect(backlog);
    // A catch-up: channel messages are decrypted in a worker thread, ahead of the pipeline, so this
    // thread stays free for storing them (and for the UI). A few messages are opened here directly.
    if (backlog >= (this.d.catchUpWorkerFrom ?? AHEAD_FROM) && !this.decryptWorker?.alive) {
      this.decryptWorker = GroupDecryptWorker.start();
      // A batch may be open with records the worker would not see: it starts after the next commit.
      this.ahead.invalidate();
    }
  }

  push(del: Delivery): void {
    if (del.kind === 'wipe' || del.kind === 'revocation') {
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
  }

  /** The relay sent the whole backlog: live traffic is opened here again, without a hop to another thread. */
  backlogDone(): void {
    void this.control
      .then(() => this.pipeline.idle())
      .then(() => this.retireWorker())
      .catch(() => undefined);
  }

  /** Runs `task` after everything received so far is handled. */
  afterReceived(task: () => Promise<void>, failed: (e: unknown) => void): void {
    this.control = this.control.then(() => this.pipeline.idle()).then(task).catch(failed);
  }

  /** Waits until everything received so far is stored. */
  async settled(): Promise<void> {
    await this.pipeline.idle();
    await this.control;
  }

  /** True while channel messages are decrypted ahead in a worker thread (during a catch-up). */
  get decryptingAhead(): boolean {
    return this.decryptWorker?.alive ?? false;
  }

  async close(): Promise<void> {
    await this.pipeline.idle().catch(() => undefined);
    await this.control.catch(() => undefined);
    this.decryptWorker?.stop();
    this.walSync.close();
  }

  /** One receive batch: opened item by item in a unit of work, committed in one transaction. */
  private async receiveBatch(work: (scope: BatchScope<Received>) => Promise<void>): Promise<void> {
    const { store, clock } = this.c;
    const db = store.db;
    try {
      await store.unitOfWork(async (uow) => {
        // libsignal hides why a store call failed; the watched stores keep the real reason.
        const faults = new StoreFaults();
        faults.watch(uow.protocol);
        const open = (del: Delivery) => {
          faults.clear();
          return this.open(uow, del).catch((e: unknown) => Promise.reject(faults.explain(e)));
        };
        await work({
          open,
          // What must commit together with the protocol state and the marker.
          keep: (id, v) =>
            uow.write((r) => {
              r.received.markReceived(id, clock.now());
              if (v?.type === 'message' && v.disk) r.messages.insert(v.message);
              if (v?.type === 'channel') r.channels.save(channelRecord(v.state, clock.now()));
            }),
          reject: (del, e) => uow.write((r) => dropBadInput(r, del, e, clock.now())),
        });
        // The commit right after this does not wait for the disk; WalSync does, before the ack.
        db.pragma('synchronous = NORMAL');
      });
    } finally {
      if (db.open) db.pragma('synchronous = FULL');
    }
  }

  /** Opens one delivery and hands it to the handler of its content type. */
  private async open(uow: UnitOfWork, del: Delivery): Promise<Received | null> {
    const now = this.c.clock.now();
    const h = this.d.handlers;
    if (del.kind === 'channelChange') return h.channelChange.open(del.payload, now);
    const env = this.decoded.get(del.id) ?? decodeEnvelope(del.payload);
    this.decoded.delete(del.id);
    await this.d.directory.knowAll([env.sender.userId], env.sender);
    this.d.seen(env.sender, now);
    if (env.type === 'sender-key') return h.message.open(uow, del.id, env, now, del.relayTimeMs);
    const peers = new Peers(uow.protocol, this.c.meRef, this.d.directory.trust, () => now);
    const { body } = decodeContent(await peers.sessions.decrypt(env.sender, env.type, env.ciphertext));
    if (body.case === 'senderKeyDistribution') return h.senderKey.open(uow, env.sender, body.value);
    if (body.case === 'data') return h.deliveryReceipt.open(env.sender, body.value);
    if (body.case === 'control' && body.value.kind.case === 'wipeReceipt') return h.wipeReceipt.open(body.value.kind.value, now);
    return NOTHING;
  }

  /** One channel cipher per unit of work (it caches protocol addresses). */
  cipherFor(uow: UnitOfWork): ChannelCipher {
    if (this.uowCipher?.uow !== uow) this.uowCipher = { uow, cipher: new ChannelCipher(uow.protocol.senderKey, this.c.meRef) };
    return this.uowCipher.cipher;
  }

  private async handleControl(del: Delivery): Promise<void> {
    const relay = this.d.authenticated();
    if (del.kind === 'revocation') await this.d.handlers.revocation.handle(del.payload);
    else await this.d.handlers.wipeCommand.handle(del.payload, relay);
    relay?.ack([unhex(del.id)]);
  }

  /** Bad input is acknowledged and noted in the audit trail; anything else waits for redelivery. */
  private controlFailed(del: Delivery, e: unknown): void {
    const { log, store, clock } = this.c;
    if (classifyReceiveError(e) === 'bad-input') {
      log.warn({ kind: del.kind, err: toApiError(e).toLog() }, 'delivery dropped');
      try {
        store.transaction((r) => dropBadInput(r, del, e, clock.now()));
        this.d.authenticated()?.ack([unhex(del.id)]);
        return;
      } catch (err) {
        e = err;
      }
    }
    log.error({ kind: del.kind, err: toApiError(e).toLog() }, 'control delivery failed; the relay delivers it again');
    this.d.redeliverLater();
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
    const state = this.d.book.stateOf(id);
    if (!state || state.status === 'wiped') return 'skip';
    const distributions = this.d.channelCipher.memberDistributions(env.sender, state, this.d.book.acceptsPrevious(id, state));
    if (distributions.length === 0) return 'skip';
    this.decoded.set(del.id, env);
    return { job: { sender: env.sender, ciphertext: env.ciphertext }, distributions };
  }
}
