/** Dedupe markers: the relay queue items whose receive transaction committed (by item id). */
import type { Db } from '../Database.ts';

export class ReceivedMarkers {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      seen: db.prepare<[string], { envelope_id: string }>('SELECT envelope_id FROM received WHERE envelope_id = ?'),
      mark: db.prepare('INSERT OR IGNORE INTO received (envelope_id, received_at) VALUES (?, ?)'),
      prune: db.prepare('DELETE FROM received WHERE received_at < ?'),
    };
  }

  /** True if this item was already processed (its receive transaction committed). */
  wasReceived(id: string): boolean {
    return this.s.seen.get(id) !== undefined;
  }

  /** Records the item as processed; returns false if it already was. */
  markReceived(id: string, at = Date.now()): boolean {
    return this.s.mark.run(id, at).changes === 1;
  }

  pruneReceived(olderThan: number): number {
    return this.s.prune.run(olderThan).changes;
  }
}
