/**
 * Brings a relay database to the newest schema: each numbered migration not yet applied
 * (`PRAGMA user_version` below its number) runs in its own transaction, in order.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { initial } from './0001-initial.ts';
import { dropSeen } from './0002-drop-seen.ts';
import { queueSender } from './0003-queue-sender.ts';
import { queueReceived } from './0004-queue-received.ts';
import type { Migration } from './Migration.ts';

export const MIGRATIONS: readonly Migration[] = [initial, dropSeen, queueSender, queueReceived];

/** Applies the missing migrations; returns the schema version reached. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  let version = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations[migrations.length - 1]?.version ?? 0;
  if (version > newest) {
    throw new Error(`The relay database has schema version ${version}, newer than this relay (${newest}). Run a newer relay.`);
  }
  for (const m of migrations) {
    if (m.version <= version) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}
