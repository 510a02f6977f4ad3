/**
 * A profile directory (one per account, DESIGN.md §6): the database, its WAL and shared-memory
 * files, and the key file. Creating, unlocking, changing the key provider, and whole-profile wipe.
 *
 *   <dir>/valise.db, valise.db-wal, valise.db-shm   the SQLCipher-format database
 *   <dir>/key.json                                  the wrapped database key (never the raw key)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DB_KEY_BYTES, openDatabase } from './Database.ts';
import { KeyProviderUnavailable, KeyFileTampered, StorageUsageError } from './errors.ts';
import { BackgroundCheckpoints } from './BackgroundCheckpoints.ts';
import { keyFileMatches, readKeyFile, sealKeyFile, writeKeyFile, type KeyFile } from './KeyFile.ts';
import type { KeyProvider, KeyProviderKind } from './keys/KeyProvider.ts';
import { LocalStore } from './LocalStore.ts';
import { migrate } from './migrations/index.ts';
import type { TrustHook } from './protocol/SqliteProtocolStores.ts';

export const DB_FILE = 'valise.db';
export const KEY_FILE = 'key.json';

export interface ProfilePaths {
  dir: string;
  db: string;
  wal: string;
  shm: string;
  key: string;
}

export function profilePaths(dir: string): ProfilePaths {
  const db = path.join(dir, DB_FILE);
  return { dir, db, wal: `${db}-wal`, shm: `${db}-shm`, key: path.join(dir, KEY_FILE) };
}

export interface OpenProfileOptions {
  trustHook?: TrustHook;
  /** Run WAL checkpoints on a worker thread instead of inside commits (BackgroundCheckpoints.ts). */
  backgroundCheckpoints?: boolean;
}

function withOptions(store: LocalStore, dbPath: string, dbKey: Uint8Array, opts: OpenProfileOptions): LocalStore {
  if (opts.backgroundCheckpoints) store.useBackgroundCheckpoints(BackgroundCheckpoints.start(store.db, dbPath, dbKey));
  return store;
}

/** Creates a new profile with a fresh random database key wrapped by `provider`. */
export async function createProfile(dir: string, provider: KeyProvider, opts: OpenProfileOptions = {}): Promise<LocalStore> {
  const p = profilePaths(dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (fs.existsSync(p.key)) throw new StorageUsageError('A profile already exists in this directory.');
  // A database without a key file is a creation that crashed half-way; nobody can read it.
  for (const f of [p.db, p.wal, p.shm]) fs.rmSync(f, { force: true });
  const dbKey = crypto.randomBytes(DB_KEY_BYTES);
  try {
    const wrapped = await provider.wrap(dbKey);
    const db = openDatabase(p.db, dbKey, { create: true });
    try {
      migrate(db);
    } catch (e) {
      db.close();
      throw e;
    }
    // The key file comes last: its presence means the profile is complete.
    writeKeyFile(p.key, sealKeyFile(dbKey, provider.kind, wrapped, databaseSalt(p.db)!));
    return withOptions(new LocalStore(db, opts.trustHook), p.db, dbKey, opts);
  } finally {
    dbKey.fill(0);
  }
}

/** The SQLCipher salt: the first 16 bytes of the database file, stored in the clear by design. */
function databaseSalt(dbFile: string): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(dbFile, 'r');
  } catch {
    return null;
  }
  try {
    const salt = Buffer.alloc(16);
    return fs.readSync(fd, salt, 0, 16, 0) === 16 ? salt : null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the key file and unwraps the database key with `provider`, checking the file's MAC. */
export async function unlockKey(dir: string, provider: KeyProvider): Promise<Buffer> {
  return (await unlock(dir, provider)).dbKey;
}

async function unlock(dir: string, provider: KeyProvider): Promise<{ dbKey: Buffer; file: KeyFile }> {
  const file = readKeyFile(profilePaths(dir).key);
  if (file.provider !== provider.kind) {
    throw new KeyProviderUnavailable(`This profile is locked with the "${file.provider}" key provider, not "${provider.kind}".`);
  }
  const dbKey = await provider.unwrap(file.wrapped);
  if (dbKey.length !== DB_KEY_BYTES || !keyFileMatches(file, dbKey)) {
    dbKey.fill(0);
    throw new KeyFileTampered('its integrity check failed');
  }
  return { dbKey, file };
}

/** Opens an existing profile. Wrong secrets, damaged files and newer schemas are typed errors. */
export async function openProfile(dir: string, provider: KeyProvider, opts: OpenProfileOptions = {}): Promise<LocalStore> {
  recoverInterruptedRekey(dir);
  const { dbKey, file } = await unlock(dir, provider);
  try {
    const salt = databaseSalt(profilePaths(dir).db);
    if (salt && salt.toString('base64') !== file.database) throw new KeyFileTampered('it belongs to another profile');
    const db = openDatabase(profilePaths(dir).db, dbKey, { keyVerified: true });
    try {
      migrate(db);
    } catch (e) {
      db.close();
      throw e;
    }
    return withOptions(new LocalStore(db, opts.trustHook), profilePaths(dir).db, dbKey, opts);
  } finally {
    dbKey.fill(0);
  }
}

export interface ChangeProviderOptions {
  /**
   * Also replace the database key itself (default true): a copy of the old key file, with the old
   * secret, then no longer opens the database. The profile must be closed. Rewrites every page.
   */
  rotateDatabaseKey?: boolean;
}

/**
 * Moves the profile to another key provider; every message stays readable. With key rotation the
 * database is rekeyed on a copy, and the switch is two renames (database, then key file); an
 * interruption anywhere is resolved by `recoverInterruptedRekey` at the next open, without any key.
 */
export async function changeKeyProvider(dir: string, current: KeyProvider, next: KeyProvider, opts: ChangeProviderOptions = {}): Promise<void> {
  const p = profilePaths(dir);
  recoverInterruptedRekey(dir);
  const { dbKey, file } = await unlock(dir, current);
  try {
    if (opts.rotateDatabaseKey === false) {
      const wrapped = await next.wrap(dbKey);
      writeKeyFile(p.key, sealKeyFile(dbKey, next.kind, wrapped, Buffer.from(file.database, 'base64')));
      await retireWrapping(current, file.wrapped);
      return;
    }
    if (fs.existsSync(p.wal) && fs.statSync(p.wal).size > 0) throw new StorageUsageError('Close the profile before changing its key.');
    const newKey = crypto.randomBytes(DB_KEY_BYTES);
    try {
      const wrapped = await next.wrap(newKey);
      const copy = `${p.db}.rekey`;
      fs.copyFileSync(p.db, copy);
      const db = openDatabase(copy, dbKey, { keyVerified: true });
      try {
        db.pragma('journal_mode = DELETE');
        db.pragma(`rekey = "x'${newKey.toString('hex')}'"`);
        db.pragma('journal_mode = WAL');
      } finally {
        db.close();
      }
      fsyncFile(copy);
      writeKeyFile(`${p.key}.next`, sealKeyFile(newKey, next.kind, wrapped, databaseSalt(copy)!));
      fs.renameSync(copy, p.db);
      fs.renameSync(`${p.key}.next`, p.key);
      fsyncFile(dir);
      await retireWrapping(current, file.wrapped);
    } finally {
      newKey.fill(0);
    }
  } finally {
    dbKey.fill(0);
  }
}

/**
 * After a key change, destroys what the old key file needed outside itself (a TPM or token key),
 * so a copy of it kept from before opens nothing. The change itself is already complete; a failure
 * here leaves only that object behind, as before, so it does not undo or fail the change.
 */
async function retireWrapping(old: KeyProvider, wrapped: KeyFile['wrapped']): Promise<void> {
  try {
    await old.destroy(wrapped);
  } catch {
    // Best effort: the new key file is in place and opens the profile either way.
  }
}

/**
 * Finishes or undoes a key change that was interrupted. `<db>.rekey` present: the swap never began,
 * so the old database and key file are intact and the leftovers go. Only `key.json.next` present:
 * the rekeyed database is already in place, so its key file follows it.
 */
export function recoverInterruptedRekey(dir: string): void {
  const p = profilePaths(dir);
  const copy = `${p.db}.rekey`;
  const pending = `${p.key}.next`;
  if (fs.existsSync(copy)) {
    fs.rmSync(copy, { force: true });
    fs.rmSync(`${copy}-journal`, { force: true });
    fs.rmSync(`${copy}-wal`, { force: true });
    fs.rmSync(`${copy}-shm`, { force: true });
    fs.rmSync(pending, { force: true });
  } else if (fs.existsSync(pending)) {
    fs.renameSync(pending, p.key);
    fsyncFile(dir);
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function profileProvider(dir: string): KeyProviderKind {
  recoverInterruptedRekey(dir);
  return readKeyFile(profilePaths(dir).key).provider;
}

/**
 * Whole-profile wipe (device revoked or remotely wiped): the wrapped key is overwritten and
 * removed first - without it the database is ciphertext nobody can open - then the files go.
 * Close the LocalStore first (pass it to have it closed here).
 */
/**
 * Before a wipe: has the key provider destroy what it keeps outside the key file for this profile
 * (a token key of its own), for the key file and a pending one. Best effort per file: a missing
 * token must not stop the wipe that follows, so failures are returned, not thrown.
 */
export async function destroyProfileKey(dir: string, provider: KeyProvider): Promise<unknown[]> {
  const p = profilePaths(dir);
  const failures: unknown[] = [];
  for (const keyFile of [p.key, `${p.key}.next`]) {
    try {
      if (!fs.existsSync(keyFile)) continue;
      const file = readKeyFile(keyFile);
      if (file.provider === provider.kind) await provider.destroy(file.wrapped);
    } catch (e) {
      failures.push(e);
    }
  }
  return failures;
}

export function wipeProfile(dir: string, store?: LocalStore): void {
  store?.close();
  const p = profilePaths(dir);
  for (const keyFile of [p.key, `${p.key}.next`]) {
    if (!fs.existsSync(keyFile)) continue;
    const size = Math.max(fs.statSync(keyFile).size, 1);
    const fd = fs.openSync(keyFile, 'r+');
    try {
      fs.writeSync(fd, crypto.randomBytes(size), 0, size, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.rmSync(keyFile);
  }
  for (const f of [p.db, p.wal, p.shm, `${p.db}.rekey`, `${p.db}.rekey-journal`]) fs.rmSync(f, { force: true });
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (f.startsWith(`${KEY_FILE}.tmp-`) || f.startsWith(`${KEY_FILE}.next.tmp-`)) fs.rmSync(path.join(dir, f), { force: true });
  }
  if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}
