/**
 * One open profile database with its repositories (DESIGN.md §6).
 *
 * Transactions across repositories: `transaction(fn)` runs synchronous repository calls in one
 * SQLite transaction. `unitOfWork(fn)` is for the receive path, where libsignal's async store
 * methods run between our own writes: inside it, `uow.protocol` buffers every protocol-state write
 * in memory (reads see them), and `uow.write(...)` queues repository writes; when `fn` resolves,
 * all of them are applied in ONE transaction. If `fn` throws, or the process dies before the commit,
 * nothing of the unit reaches the file: decrypted message, new session state and dedupe marker land
 * together or not at all. Units of work run one at a time, in call order.
 */
import type { BackgroundCheckpoints } from './BackgroundCheckpoints.ts';
import type { Db } from './Database.ts';
import { ChannelKeys } from './ChannelKeys.ts';
import { ShreddedRowsPurge } from './ShreddedRowsPurge.ts';
import { mapSqliteError } from './Database.ts';
import { AuditLog } from './repositories/AuditLog.ts';
import { ChannelRepository } from './repositories/ChannelRepository.ts';
import { DeliveryRepository } from './repositories/DeliveryRepository.ts';
import { OutboxRepository } from './repositories/OutboxRepository.ts';
import { RecordRepository } from './repositories/RecordRepository.ts';
import { PausedReasonRepository, RotationRepository } from './repositories/ChannelNotes.ts';
import { PendingReceiptRepository } from './repositories/PendingReceiptRepository.ts';
import { ReadMarkRepository } from './repositories/ReadMarkRepository.ts';
import { ReceivedMarkers } from './repositories/ReceivedMarkers.ts';
import { SafetyNumberRepository } from './repositories/SafetyNumberRepository.ts';
import { Settings } from './repositories/Settings.ts';
import { upgradeLegacyIndexes } from './repositories/LegacyIndexes.ts';
import { WipeRepository } from './repositories/WipeRepository.ts';
import { SqliteMessageStore } from './repositories/SqliteMessageStore.ts';
import { BufferedTarget, DirectTarget } from './protocol/StoreTarget.ts';
import { ProtocolTables, sqliteProtocolStores, type SqliteProtocolStores, type TrustHook } from './protocol/SqliteProtocolStores.ts';

export interface Repositories {
  channels: ChannelRepository;
  messages: SqliteMessageStore;
  outbox: OutboxRepository;
  records: RecordRepository;
  audit: AuditLog;
  settings: Settings;
  /** Dedupe markers of processed relay items. */
  received: ReceivedMarkers;
  deliveries: DeliveryRepository;
  wipes: WipeRepository;
  readMarks: ReadMarkRepository;
  safetyNumbers: SafetyNumberRepository;
  rotations: RotationRepository;
  pausedReasons: PausedReasonRepository;
  /** Receipts owed to other devices, until the relay takes them. */
  pendingReceipts: PendingReceiptRepository;
}

export interface UnitOfWork {
  /** Protocol stores whose writes commit with the unit. Hand these to libsignal. */
  readonly protocol: SqliteProtocolStores;
  /** Queues a synchronous repository write that commits with the unit. */
  write(fn: (repos: Repositories) => void): void;
}

export interface WipeResult {
  messages: number;
  outbox: number;
  senderKeys: number;
  /**
   * False if another reader kept the WAL from being truncated; the wiped rows are gone from the
   * database but old page images may remain in the WAL until `checkpoint()` succeeds. Sign the wipe
   * receipt only when true.
   */
  walTruncated: boolean;
}

export class LocalStore {
  readonly repos: Repositories;
  /** Protocol stores that write at once (outside any unit of work). */
  readonly protocol: SqliteProtocolStores;
  private readonly keys: ChannelKeys;
  private readonly tables: ProtocolTables;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly wipeStmts;
  private closed = false;
  private background: BackgroundCheckpoints | null = null;
  private walHoldsRemoved = false;
  private readonly messageStore: SqliteMessageStore;
  private readonly purge: ShreddedRowsPurge;

  constructor(
    readonly db: Db,
    private readonly trustHook?: TrustHook,
  ) {
    this.keys = new ChannelKeys(db);
    this.tables = new ProtocolTables(db);
    this.messageStore = new SqliteMessageStore(db, this.keys);
    if (upgradeLegacyIndexes(db, this.keys) > 0) this.checkpoint();
    this.purge = new ShreddedRowsPurge(db, {
      purgeBatch: (channelId, limit) => this.withoutFsync(() => this.transaction(() => this.messageStore.purgeBatch(channelId, limit))),
      checkpoint: () => this.checkpoint(),
    });
    this.purge.resume();
    this.repos = {
      channels: guarded(this.afterWrite, new ChannelRepository(db)),
      messages: guarded(this.afterWrite, this.messageStore),
      outbox: guarded(this.afterWrite, new OutboxRepository(db, this.keys)),
      records: guarded(this.afterWrite, new RecordRepository(db)),
      audit: guarded(this.afterWrite, new AuditLog(db)),
      settings: guarded(this.afterWrite, new Settings(db)),
      received: guarded(this.afterWrite, new ReceivedMarkers(db)),
      deliveries: guarded(this.afterWrite, new DeliveryRepository(db)),
      wipes: guarded(this.afterWrite, new WipeRepository(db)),
      readMarks: guarded(this.afterWrite, new ReadMarkRepository(db)),
      safetyNumbers: guarded(this.afterWrite, new SafetyNumberRepository(db)),
      rotations: guarded(this.afterWrite, new RotationRepository(db)),
      pausedReasons: guarded(this.afterWrite, new PausedReasonRepository(db)),
      pendingReceipts: guarded(this.afterWrite, new PendingReceiptRepository(db)),
    };
    this.protocol = sqliteProtocolStores(this.tables, DirectTarget, trustHook);
    this.wipeStmts = {
      senderKeys: db.prepare(
        'DELETE FROM sender_keys WHERE distribution_id IN (SELECT distribution_id FROM channel_distributions WHERE channel_id = ?)',
      ),
      distributions: db.prepare('DELETE FROM channel_distributions WHERE channel_id = ?'),
      // Older signed states name members and policy history; only the latest stays, for rollback checks.
      history: db.prepare('DELETE FROM channel_states WHERE channel_id = ? AND epoch < (SELECT epoch FROM channels WHERE id = ?)'),
    };
  }

  get messages(): SqliteMessageStore {
    return this.repos.messages;
  }

  /** Runs `fn` in one SQLite transaction; on any error nothing of it is written. */
  transaction<T>(fn: (repos: Repositories) => T): T {
    try {
      const result = this.db.transaction(() => fn(this.repos))();
      this.afterWrite();
      return result;
    } catch (e) {
      // A channel key created inside the failed transaction must not linger in the cache.
      this.keys.forgetCache();
      this.repos.messages.forgetCache();
      throw mapSqliteError(e);
    }
  }

  unitOfWork<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const target = new BufferedTarget();
      const uow: UnitOfWork = {
        protocol: sqliteProtocolStores(this.tables, target, this.trustHook),
        write: (w) => target.defer(() => w(this.repos)),
      };
      const result = await fn(uow);
      this.transaction(() => target.flush());
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Crypto-shredding wipe of one channel (DESIGN.md §5), in one small commit: destroys its data key
   * and drops its search index (its words), deletes its sender keys, outbox rows, delivery records
   * and older signed states, marks it wiped (the latest state stays, so an older one cannot be
   * replayed), then truncates the WAL so no old page image of the key or the index survives there;
   * `secure_delete` zeroes the freed pages. Its message rows, ciphertext under the destroyed key,
   * are deleted afterwards in the background (`ShreddedRowsPurge`, resumed at the next open if
   * interrupted; `purged()` waits for it).
   */
  wipeChannel(channelId: string): WipeResult {
    const result = this.transaction((r) => {
      this.keys.destroy(channelId);
      const messages = r.messages.shredChannel(channelId);
      const senderKeys = this.wipeStmts.senderKeys.run(channelId).changes;
      this.wipeStmts.distributions.run(channelId);
      this.wipeStmts.history.run(channelId, channelId);
      const outbox = r.outbox.removeChannel(channelId);
      r.deliveries.removeChannel(channelId);
      r.pendingReceipts.removeChannel(channelId);
      r.channels.setStatus(channelId, 'wiped');
      return { messages, outbox, senderKeys };
    });
    const walTruncated = this.checkpoint();
    if (result.messages > 0) this.purge.add(channelId);
    return { ...result, walTruncated };
  }

  /** Resolves once the rows of every wiped channel are deleted and the WAL truncated after them. */
  purged(): Promise<void> {
    return this.purge.done();
  }

  /**
   * After a commit that removed messages, the WAL still holds the pages as they were before (the
   * removed words and sealed bodies): truncate it at once. If a reader blocks that, the next write
   * tries again.
   */
  private readonly afterWrite = (): void => {
    if (this.db.inTransaction || !this.db.open) return;
    if (this.messageStore.takeRemovals()) this.walHoldsRemoved = true;
    if (!this.walHoldsRemoved) return;
    try {
      if (this.checkpoint()) this.walHoldsRemoved = false;
    } catch {
      // The write itself succeeded; the truncation is tried again after the next one.
    }
  };

  /**
   * Runs one commit that need not be durable at once (synchronous=NORMAL: no fsync of its own; the
   * next FULL commit or checkpoint syncs it). For deleting rows of a shredded channel: if a power
   * cut undoes such a commit, the rows are found and deleted again at the next open.
   */
  private withoutFsync<T>(fn: () => T): T {
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    if (level <= 1) return fn();
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma(`synchronous = ${level}`);
    }
  }

  /** Copies the WAL into the database and truncates it to zero bytes; false if a reader blocked it. */
  checkpoint(): boolean {
    const [r] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    return r !== undefined && r.busy === 0;
  }

  /** WAL checkpoints run on a worker thread from now on (stopped by `close`). */
  useBackgroundCheckpoints(bg: BackgroundCheckpoints): void {
    this.background = bg;
  }

  /** True while a worker thread does the WAL checkpoints (commits never do them then). */
  get checkpointsInBackground(): boolean {
    return this.background?.active ?? false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.purge.stop();
    this.background?.stop();
    this.keys.forgetCache();
    try {
      this.checkpoint();
    } finally {
      this.db.close();
    }
  }
}

/**
 * Damage deep in the file only shows when a page is read. Turns SQLite's corruption errors from
 * any repository call into StoreCorrupt, so the engine can tell the user instead of failing oddly.
 */
function guarded<T extends object>(after: () => void, repo: T): T {
  return new Proxy(repo, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return function (this: unknown, ...args: unknown[]) {
        try {
          const r: unknown = (v as (...a: unknown[]) => unknown).apply(target, args);
          after();
          return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(mapSqliteError(e))) : r;
        } catch (e) {
          throw mapSqliteError(e);
        }
      };
    },
  });
}
