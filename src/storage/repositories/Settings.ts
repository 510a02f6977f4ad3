/** Small typed settings (JSON values by key) and the dedupe markers of processed envelopes. */
import type { Db } from '../Database.ts';

export class Settings {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      set: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      del: db.prepare('DELETE FROM settings WHERE key = ?'),
      seen: db.prepare<[string], { envelope_id: string }>('SELECT envelope_id FROM received WHERE envelope_id = ?'),
      mark: db.prepare('INSERT OR IGNORE INTO received (envelope_id, received_at) VALUES (?, ?)'),
      prune: db.prepare('DELETE FROM received WHERE received_at < ?'),
    };
  }

  get<T>(key: string): T | undefined {
    const r = this.s.get.get(key);
    return r ? (JSON.parse(r.value) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    this.s.set.run(key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.s.del.run(key);
  }

  /** True if this envelope was already processed (its receive transaction committed). */
  wasReceived(envelopeId: string): boolean {
    return this.s.seen.get(envelopeId) !== undefined;
  }

  /** Records the envelope as processed; returns false if it already was. */
  markReceived(envelopeId: string, at = Date.now()): boolean {
    return this.s.mark.run(envelopeId, at).changes === 1;
  }

  pruneReceived(olderThan: number): number {
    return this.s.prune.run(olderThan).changes;
  }
}
