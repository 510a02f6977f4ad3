/** The ordered list of migrations and the runner that applies them (each in its own transaction). */
import type { Db } from '../Database.ts';
import { SchemaTooNew } from '../errors.ts';
import type { Migration } from './Migration.ts';
import { m0001 } from './0001-initial.ts';
import { m0002 } from './0002-protocol-stores.ts';
import { m0003 } from './0003-records.ts';
import { m0004 } from './0004-deliveries.ts';
import { m0005 } from './0005-engine-state.ts';
import { m0006 } from './0006-pending-receipts.ts';

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006];
export const LATEST_SCHEMA = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the schema up to `target` (default: latest). Refuses a schema newer than this build knows. */
export function migrate(db: Db, target = LATEST_SCHEMA, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = schemaVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) throw new SchemaTooNew(current, latest);
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
