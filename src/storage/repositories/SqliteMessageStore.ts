/**
 * Messages in the encrypted database: the body sealed with the channel's data key, the words in the
 * channel's contentless FTS5 index (ChannelIndexes).
 * All methods are synchronous so they can run inside one transaction with other repositories.
 *
 * A wiped channel is crypto-shredded at once (its key row and its index go in one small commit)
 * and its ciphertext rows are deleted afterwards in bounded batches (`purgeBatch`). Until then its
 * rows are unreadable noise: every read treats a channel without a key as empty.
 */
import type { Db } from '../Database.ts';
import { openBodyText, sealBody } from '../BodyCipher.ts';
import type { ChannelKeys } from '../ChannelKeys.ts';
import { ChannelIndexes } from './ChannelIndexes.ts';
import { searchTerms, type MessagePage, type MessageStore, type NewMessage, type SearchOptions, type StoredMessage } from './MessageStore.ts';

interface Row {
  seq: number;
  id: string;
  channel_id: string;
  sender: string;
  sent_at: number;
  received_at: number;
  expires_at: number | null;
  body: Buffer;
}

/** Removing one message from the index costs about as much as indexing this many. */
const REBUILD_FACTOR = 32;

const COLS = 'm.seq, m.id, m.channel_id, m.sender, m.sent_at, m.received_at, m.expires_at, m.body';

/**
 * A channel page as plain arrays (better-sqlite3's raw mode), in this column order: opening a
 * channel reads 50 of them, and every object per row is garbage the next scavenge must walk.
 */
type PageRow = [id: string, sender: string, sentAt: number, receivedAt: number, expiresAt: number | null, body: Buffer];
const PAGE_COLS = 'id, sender, sent_at, received_at, expires_at, body';

export class SqliteMessageStore implements MessageStore {
  private readonly s;
  private readonly index: ChannelIndexes;
  private removed = false;

  constructor(
    private readonly db: Db,
    private readonly keys: ChannelKeys,
  ) {
    this.index = new ChannelIndexes(db);
    this.s = {
      exists: db.prepare<[string], { seq: number }>('SELECT seq FROM messages WHERE id = ?'),
      nextSeq: db.prepare<[], { n: number }>('SELECT coalesce(max(seq), 0) + 1 AS n FROM messages'),
      insert: db.prepare(
        'INSERT OR IGNORE INTO messages (channel_id, sent_at, seq, id, sender, received_at, expires_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      get: db.prepare<[string], Row>(`SELECT ${COLS} FROM messages m WHERE m.id = ?`),
      bySeq: db.prepare<[number], Row>(`SELECT ${COLS} FROM messages m WHERE m.seq = ?`),
      // Newest first, straight off the clustered primary key (no sort); latest() reverses the page.
      latest: db
        .prepare<[string, number], PageRow>(`SELECT ${PAGE_COLS} FROM messages WHERE channel_id = ? ORDER BY sent_at DESC, seq DESC LIMIT ?`)
        .raw(true),
      latestBefore: db
        .prepare<[string, number, number, number, number], PageRow>(
          `SELECT ${PAGE_COLS} FROM messages WHERE channel_id = ? AND (sent_at < ? OR (sent_at = ? AND seq < ?)) ORDER BY sent_at DESC, seq DESC LIMIT ?`,
        )
        .raw(true),
      del: db.prepare('DELETE FROM messages WHERE seq = ?'),
      setExpiry: db.prepare('UPDATE messages SET expires_at = ? WHERE id = ?'),
      expired: db.prepare<[number], Row>(`SELECT ${COLS} FROM messages m WHERE m.expires_at IS NOT NULL AND m.expires_at <= ?`),
      channelRows: db.prepare<[string], Row>(`SELECT ${COLS} FROM messages m WHERE m.channel_id = ?`),
      delChannel: db.prepare('DELETE FROM messages WHERE channel_id = ?'),
      countAll: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM messages WHERE channel_id = ?'),
      // The build has SQLITE_ENABLE_UPDATE_DELETE_LIMIT; the primary key orders the batch.
      purge: db.prepare('DELETE FROM messages WHERE channel_id = ? LIMIT ?'),
    };
  }

  insert(m: NewMessage): boolean {
    const key = this.keys.forWrite(m.channelId);
    const body = sealBody(key, 'message', m.channelId, m.id, Buffer.from(m.text, 'utf8'));
    const seq = this.s.nextSeq.get()!.n;
    // OR IGNORE: a redelivered message (same id) is not stored twice, and not indexed twice.
    const r = this.s.insert.run(m.channelId, m.sentAt, seq, m.id, m.sender, m.receivedAt ?? Date.now(), m.expiresAt ?? null, body);
    if (r.changes === 0) return false;
    this.index.add(m.channelId, seq, m.text);
    return true;
  }

  get(id: string): StoredMessage | null {
    const row = this.s.get.get(id);
    return row ? this.decode(row) : null;
  }

  latest(channelId: string, limit: number, page?: MessagePage): StoredMessage[] {
    let rows: PageRow[];
    if (!page?.before) {
      rows = this.s.latest.all(channelId, limit);
    } else {
      const anchor = this.s.exists.get(page.before.id);
      const seq = anchor?.seq ?? Number.MAX_SAFE_INTEGER;
      rows = this.s.latestBefore.all(channelId, page.before.sentAt, page.before.sentAt, seq, limit);
    }
    if (rows.length === 0) return [];
    const key = this.keys.forRead(channelId);
    if (!key) return [];
    const out = new Array<StoredMessage>(rows.length);
    for (let i = rows.length - 1, j = 0; i >= 0; i--, j++) {
      const [id, sender, sentAt, receivedAt, expiresAt, body] = rows[i]!;
      out[j] = { id, channelId, sender, sentAt, receivedAt, expiresAt, text: openBodyText(key, 'message', channelId, id, body) };
    }
    return out;
  }

  search(query: string, opts: SearchOptions = {}): StoredMessage[] {
    const terms = searchTerms(query);
    if (terms.length === 0) return [];
    const match = terms.map((t, i) => `"${t}"${i === terms.length - 1 ? '*' : ''}`).join(' ');
    const seqs = this.index.match(match, opts.limit ?? 50, opts.channelId);
    return seqs
      .map((seq) => this.s.bySeq.get(seq))
      .map((r) => (r ? this.decode(r) : null))
      .filter((m): m is StoredMessage => m !== null);
  }

  delete(id: string): boolean {
    const row = this.s.get.get(id);
    if (!row) return false;
    this.remove([row]);
    return true;
  }

  /** Sets when the message disappears (burn-after-reading); the row, its words and its body stay as they are until then. */
  setExpiry(id: string, expiresAt: number): boolean {
    return this.s.setExpiry.run(expiresAt, id).changes > 0;
  }

  deleteExpired(now: number): number {
    const rows = this.s.expired.all(now);
    this.remove(rows);
    return rows.length;
  }

  /**
   * True once if messages were removed since the last call: the caller then truncates the WAL, whose
   * frames still hold the pages as they were before the removal.
   */
  takeRemovals(): boolean {
    const r = this.removed;
    this.removed = false;
    return r;
  }

  /**
   * Removes rows with their words. Taking one message out of the index costs about a millisecond
   * (FTS5's secure-delete rewrites a leaf page for each of its terms) while indexing one costs some
   * 30 µs, so when a channel loses many messages at once (a backlog of expired ones at start-up,
   * a burn of hundreds) its index is rebuilt from the messages that stay instead. Either way the
   * removed words are gone. A body that cannot be opened (its text unknown) also means a rebuild.
   */
  private remove(rows: Row[]): void {
    const byChannel = new Map<string, Row[]>();
    for (const r of rows) {
      const list = byChannel.get(r.channel_id);
      if (list) list.push(r);
      else byChannel.set(r.channel_id, [r]);
    }
    for (const [channelId, gone] of byChannel) {
      let rebuild = gone.length > 1 && gone.length * REBUILD_FACTOR > this.s.countAll.get(channelId)!.n - gone.length;
      for (const r of gone) {
        if (!rebuild) {
          const text = this.textOf(r);
          if (text === null) rebuild = true;
          else this.index.remove(channelId, r.seq, text);
        }
        this.s.del.run(r.seq);
      }
      if (rebuild) this.reindex(channelId);
    }
    if (rows.length > 0) this.removed = true;
  }

  private textOf(r: Row): string | null {
    const key = this.keys.forRead(r.channel_id);
    if (!key) return null;
    try {
      return openBodyText(key, 'message', r.channel_id, r.id, r.body);
    } catch {
      return null;
    }
  }

  private reindex(channelId: string): void {
    const entries: { seq: number; text: string }[] = [];
    const key = this.keys.forRead(channelId);
    for (const r of key ? this.s.channelRows.all(channelId) : []) {
      try {
        entries.push({ seq: r.seq, text: openBodyText(key!, 'message', channelId, r.id, r.body) });
      } catch {
        // Unreadable bodies stay out of the index.
      }
    }
    this.index.rebuild(channelId, entries);
  }

  deleteChannel(channelId: string): number {
    this.index.drop(channelId);
    return this.s.delChannel.run(channelId).changes;
  }

  /**
   * The quick half of a wipe, once the channel's key is destroyed: drops the channel's index (its
   * words) and returns how many ciphertext rows `purgeBatch` has left to delete.
   */
  shredChannel(channelId: string): number {
    this.index.drop(channelId);
    return this.s.countAll.get(channelId)!.n;
  }

  /** Deletes up to `limit` rows of a shredded channel; returns how many it deleted. */
  purgeBatch(channelId: string, limit: number): number {
    return this.s.purge.run(channelId, limit).changes;
  }

  /** Forget cached index tables (after a rollback that may have undone their creation). */
  forgetCache(): void {
    this.index.forgetCache();
  }

  count(channelId: string): number {
    return this.keys.forRead(channelId) ? this.s.countAll.get(channelId)!.n : 0;
  }

  private decode(r: Row): StoredMessage | null {
    const key = this.keys.forRead(r.channel_id);
    if (!key) return null;
    return {
      id: r.id,
      channelId: r.channel_id,
      sender: r.sender,
      sentAt: r.sent_at,
      receivedAt: r.received_at,
      expiresAt: r.expires_at,
      text: openBodyText(key, 'message', r.channel_id, r.id, r.body),
    };
  }
}
