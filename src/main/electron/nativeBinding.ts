/**
 * Electron and Node have different native ABIs. `npm test` uses the SQLite module built for Node
 * in node_modules; the Electron run uses a copy built for Electron in .native/ (made by
 * scripts/build.ts --electron with @electron/rebuild) and passed as better-sqlite3's
 * `nativeBinding`. In a packaged app electron-builder rebuilds node_modules for Electron, so
 * the default binding is the right one there.
 */
import fs from 'node:fs';
import path from 'node:path';

export const NATIVE_DIR = '.native';
export const SQLITE_BINDING = path.join('better-sqlite3-multiple-ciphers', 'build', 'Release', 'better_sqlite3.node');

export function electronSqliteBinding(appRoot: string): string | undefined {
  const p = path.join(appRoot, NATIVE_DIR, SQLITE_BINDING);
  return fs.existsSync(p) ? p : undefined;
}
