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

  constructor(
    readonly db: Db,
    private readonly trustHook?: TrustHook,
  ) {
    this.keys = new ChannelKeys(db);
    this.tables = new ProtocolTables(db);
    this.repos = {
      channels: guarded(new ChannelRepository(db)),
      messages: guarded(new SqliteMessageStore(db, this.keys)),
      outbox: guarded(new OutboxRepository(db, this.keys)),
      records: guarded(new RecordRepository(db)),
      audit: guarded(new AuditLog(db)),
      settings: guarded(new Settings(db)),
      received: guarded(new ReceivedMarkers(db)),
      deliveries: guarded(new DeliveryRepository(db)),
      wipes: guarded(new WipeRepository(db)),
      readMarks: guarded(new ReadMarkRepository(db)),
      safetyNumbers: guarded(new SafetyNumberRepository(db)),
      rotations: guarded(new RotationRepository(db)),
      pausedReasons: guarded(new PausedReasonRepository(db)),
      pendingReceipts: guarded(new PendingReceiptRepository(db)),
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
      return this.db.transaction(() => fn(this.repos))();
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
   * Crypto-shredding wipe of one channel (DESIGN.md §5): destroys its data key, deletes its
   * messages with their index entries, its sender keys, its outbox rows and its older signed states,
   * marks it wiped (the latest state stays, so an older one cannot be replayed), then
   * truncates the WAL so no old page image of it survives there. `secure_delete` zeroes the freed
   * pages, and FTS5's secure-delete removes the words from the index segments.
   */
  wipeChannel(channelId: string): WipeResult {
    const result = this.transaction((r) => {
      this.keys.destroy(channelId);
      const messages = r.messages.deleteChannel(channelId);
      const senderKeys = this.wipeStmts.senderKeys.run(channelId).changes;
      this.wipeStmts.distributions.run(channelId);
      this.wipeStmts.history.run(channelId, channelId);
      const outbox = r.outbox.removeChannel(channelId);
      r.deliveries.removeChannel(channelId);
      r.pendingReceipts.removeChannel(channelId);
      r.channels.setStatus(channelId, 'wiped');
      return { messages, outbox, senderKeys };
    });
    return { ...result, walTruncated: this.checkpoint() };
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
function guarded<T extends object>(repo: T): T {
  return new Proxy(repo, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return function (this: unknown, ...args: unknown[]) {
        try {
          const r: unknown = (v as (...a: unknown[]) => unknown).apply(target, args);
          return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(mapSqliteError(e))) : r;
        } catch (e) {
          throw mapSqliteError(e);
        }
      };
    },
  });
}
