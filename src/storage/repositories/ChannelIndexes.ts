/**
 * The full-text index, one contentless FTS5 table per channel (`message_fts_<n>`). Contentless: it
 * keeps tokens only, never a second copy of the text. Removing a message gives FTS5 the message's
 * text again (the `'delete'` command), and with FTS5's secure-delete on, each of its terms and
 * positions is taken out of the segment pages at once; `secure_delete` zeroes what SQLite frees.
 * (A `contentless_delete=1` table cannot do that: it only records the rowid as a tombstone and keeps
 * the words in its segments until some later merge rewrites them; such tables from earlier versions
 * are rebuilt by `LegacyIndexes.ts`.) Per channel: a wipe drops the channel's whole index in one
 * statement instead of deleting 100k entries one by one from a shared index; search in one channel
 * only touches that channel's index.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../Database.ts';

/** Creates the index table `name`. `name` comes from our own counter, never from user input. */
export function createIndexTable(db: Db, name: string): void {
  db.exec(`CREATE VIRTUAL TABLE ${name} USING fts5 (text, content = '', tokenize = 'unicode61 remove_diacritics 2');
    INSERT INTO ${name} (${name}, rank) VALUES ('secure-delete', 1);`);
}

interface TableStatements {
  insert: Database.Statement<[number, string]>;
  remove: Database.Statement<[number, string]>;
  match: Database.Statement<[string, number], { rowid: number }>;
}

export class ChannelIndexes {
  private readonly tables = new Map<string, string>();
  private readonly stmts = new Map<string, TableStatements>();
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      get: db.prepare<[string], { n: number }>('SELECT n FROM channel_indexes WHERE channel_id = ?'),
      all: db.prepare<[], { channel_id: string; n: number }>('SELECT channel_id, n FROM channel_indexes'),
      next: db.prepare<[], { n: number }>('SELECT coalesce(max(n), 0) + 1 AS n FROM channel_indexes'),
      add: db.prepare('INSERT INTO channel_indexes (channel_id, n) VALUES (?, ?)'),
      del: db.prepare('DELETE FROM channel_indexes WHERE channel_id = ?'),
    };
  }

  add(channelId: string, seq: number, text: string): void {
    this.statements(this.tableFor(channelId, true)!).insert.run(seq, text);
  }

  /** Takes the message's words out of the index; `text` must be exactly the text that was added. */
  remove(channelId: string, seq: number, text: string): void {
    const t = this.tableFor(channelId, false);
    if (t) this.statements(t).remove.run(seq, text);
  }

  /** Up to `limit` matching seqs, newest first, from one channel or all of them. */
  match(expr: string, limit: number, channelId?: string): number[] {
    const names = channelId ? [this.tableFor(channelId, false)].filter((t): t is string => t !== null) : this.allTables();
    const hits: number[] = [];
    for (const t of names) {
      for (const r of this.statements(t).match.all(expr, limit)) hits.push(r.rowid);
    }
    return hits.sort((a, b) => b - a).slice(0, limit);
  }

  /** Drops the channel's whole index. */
  drop(channelId: string): void {
    const t = this.tableFor(channelId, false);
    if (!t) return;
    this.stmts.delete(t);
    this.tables.delete(channelId);
    this.db.exec(`DROP TABLE ${t}`);
    this.s.del.run(channelId);
  }

  /** Replaces the channel's index by a fresh one holding only `entries` (the old one is dropped, its pages zeroed). */
  rebuild(channelId: string, entries: Iterable<{ seq: number; text: string }>): void {
    this.drop(channelId);
    for (const e of entries) this.add(channelId, e.seq, e.text);
  }

  /** After a rolled-back transaction, tables created inside it no longer exist. */
  forgetCache(): void {
    this.tables.clear();
    this.stmts.clear();
  }

  private allTables(): string[] {
    return this.s.all.all().map((r) => {
      this.tables.set(r.channel_id, `message_fts_${r.n}`);
      return `message_fts_${r.n}`;
    });
  }

  private tableFor(channelId: string, create: boolean): string | null {
    const cached = this.tables.get(channelId);
    if (cached) return cached;
    let n = this.s.get.get(channelId)?.n;
    if (n === undefined) {
      if (!create) return null;
      n = this.s.next.get()!.n;
      createIndexTable(this.db, `message_fts_${n}`);
      this.s.add.run(channelId, n);
    }
    const name = `message_fts_${n}`;
    this.tables.set(channelId, name);
    return name;
  }

  private statements(table: string): TableStatements {
    let s = this.stmts.get(table);
    if (!s) {
      s = {
        insert: this.db.prepare<[number, string]>(`INSERT INTO ${table} (rowid, text) VALUES (?, ?)`),
        remove: this.db.prepare<[number, string]>(`INSERT INTO ${table} (${table}, rowid, text) VALUES ('delete', ?, ?)`),
        match: this.db.prepare<[string, number], { rowid: number }>(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ?`),
      };
      this.stmts.set(table, s);
    }
    return s;
  }
}
