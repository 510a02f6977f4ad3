/**
 * The message interface shared by the SQLite store and the memory-only store used for
 * off-the-record channels, so the engine does not care where a channel's messages live.
 */
export interface NewMessage {
  id: string;
  channelId: string;
  sender: string;
  sentAt: number;
  receivedAt?: number;
  /** When the message disappears (retention policy), or null to keep it. */
  expiresAt?: number | null;
  text: string;
}

export interface StoredMessage {
  id: string;
  channelId: string;
  sender: string;
  sentAt: number;
  receivedAt: number;
  expiresAt: number | null;
  text: string;
}

/** Where a message sits in a channel's order: by send time, then by id. */
export interface MessagePosition {
  sentAt: number;
  id: string;
}

/** Negative if `a` comes before `b` in a channel, 0 if at the same place, positive if after. */
export function comparePosition(a: MessagePosition, b: MessagePosition): number {
  if (a.sentAt !== b.sentAt) return a.sentAt < b.sentAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** True if `m` is at or before `mark` (a read mark, say). */
export function atOrBefore(m: MessagePosition, mark: MessagePosition): boolean {
  return comparePosition(m, mark) <= 0;
}

export interface MessagePage {
  /** Older than this message (sentAt, id) - for scrolling back. */
  before?: MessagePosition;
}

export interface SearchOptions {
  channelId?: string;
  limit?: number;
}

export interface MessageStore {
  /** Stores a message; returns false (and changes nothing) if a message with that id exists. */
  insert(m: NewMessage): boolean;
  get(id: string): StoredMessage | null;
  /** The newest `limit` messages of a channel (older than `page.before`), newest last. */
  latest(channelId: string, limit: number, page?: MessagePage): StoredMessage[];
  /** Messages matching every word of `query` (prefix match on the last word), newest first. */
  search(query: string, opts?: SearchOptions): StoredMessage[];
  delete(id: string): boolean;
  /** Deletes messages whose expiresAt is at or before `now`; returns how many. */
  deleteExpired(now: number): number;
  /** Deletes every message of a channel and its index entries; returns how many. */
  deleteChannel(channelId: string): number;
  count(channelId: string): number;
}

/** Splits user input into words for search; punctuation never reaches FTS5's query syntax. */
export function searchTerms(query: string): string[] {
  return query
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .slice(0, 16);
}
