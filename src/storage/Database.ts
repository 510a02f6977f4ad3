/**
 * Opens one profile's encrypted SQLite database (DESIGN.md §6).
 *
 * Cipher: SQLite3 Multiple Ciphers' `sqlcipher` scheme with `legacy=4`, i.e. the SQLCipher 4 page
 * format (AES-256-CBC per page, HMAC-SHA512 per page, random per-page IV). We use it rather than the
 * library's default ChaCha20-Poly1305 because it is the format the stock `sqlcipher` tool and every
 * SQLCipher-aware forensic or recovery tool reads, and its per-page HMAC turns any tampering into a
 * clean error instead of silent garbage. The key is the raw 32 bytes (`x'<hex>'`), so opening does no
 * slow passphrase KDF: the key providers already guard the key.
 *
 * `synchronous = FULL`: the engine acknowledges an envelope to the relay only after the receive
 * transaction commits, and the relay then deletes it. With NORMAL, a power cut could roll back the
 * last commits in WAL mode and lose a message that the relay no longer holds. FULL costs one fsync
 * per commit, which the batching in the engine amortises.
 *
 * `temp_store = MEMORY` keeps sorter and temporary tables off disk: SQLite's temp files would not be
 * covered by the page cipher.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { StoreCorrupt, WrongKey } from './errors.ts';

export type Db = Database.Database;

export const DB_KEY_BYTES = 32;

export interface OpenOptions {
  /** Create the file if it does not exist (a new profile). */
  create?: boolean;
  /**
   * True when the key was already proven right (the key file's MAC verified). A database that then
   * fails to decrypt is damaged, not locked with another key.
   */
  keyVerified?: boolean;
}

/** Applies the cipher and key to a fresh connection. Exported for the rekey-to-plain copy. */
export function applyKey(db: Db, key: Uint8Array): void {
  if (key.length !== DB_KEY_BYTES) throw new WrongKey('The database key has the wrong length.');
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`);
}

export function openDatabase(file: string, key: Uint8Array, opts: OpenOptions = {}): Db {
  const exists = fs.existsSync(file);
  if (!exists && !opts.create) throw new StoreCorrupt({ cause: new Error('database file missing') });
  if (exists && fs.statSync(file).size === 0) throw new StoreCorrupt({ cause: new Error('database file is empty') });
  let db: Db;
  try {
    // The Electron shell points this at a build of the module for Electron's ABI (src/main/electron).
    const nativeBinding = process.env.VALISE_SQLITE_BINDING;
    db = new Database(file, { fileMustExist: !opts.create, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (e) {
    throw new StoreCorrupt({ cause: e });
  }
  try {
    applyKey(db, key);
    // The first read decrypts page 1; with a wrong key or a damaged file it fails here, before any
    // pragma below could write to the file (journal mode, WAL recovery), so the files stay as they were.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('secure_delete = ON');
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    db.pragma('busy_timeout = 5000');
    // Pages are decrypted (and HMAC-checked) once per cache fill. Up to 32 MiB of decrypted pages
    // per open profile, allocated as pages are used: room for the newest pages of thousands of
    // channels plus the interior b-tree pages, so reopening a channel decrypts nothing. More would
    // hold more plaintext in memory for little gain (see bench/storage.bench.ts, cold vs warm opens).
    // No mmap_size: a memory-mapped read hands the b-tree the file's bytes in place, with no step
    // where a page could be decrypted and its HMAC checked; so SQLite3 Multiple Ciphers' pager never
    // fetches through the map when a cipher is attached, and the pragma would only cost address space.
    db.pragma('cache_size = -32768');
    return db;
  } catch (e) {
    db.close();
    if (e instanceof WrongKey) throw e;
    const code = (e as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB' && !opts.keyVerified) throw new WrongKey(undefined, { cause: e });
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_IOERR')) throw new StoreCorrupt({ cause: e });
    throw e;
  }
}

/** Maps SQLite's corruption errors met after opening (a damaged page deep in the file) to StoreCorrupt. */
export function mapSqliteError(e: unknown): unknown {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return new StoreCorrupt({ cause: e });
  return e;
}
