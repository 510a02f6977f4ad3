/**
 * Reads a profile database the way someone holding its key would: every page of the database file
 * and every frame of its WAL, decrypted one by one as they lie on disk (SQLCipher 4 page format:
 * AES-256-CBC with a per-page IV, HMAC-SHA512 over ciphertext, IV and page number). Nothing is
 * rewritten or checkpointed first, so free pages, stale frames and unused space are all seen.
 * The build has no `sqlite_dbpage`, and a VACUUM or rekey copy would rewrite what it reads.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

const PAGE = 4096;
const SALT = 16;
const IV = 16;
const MAC = 64;
const RESERVE = IV + MAC;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

export interface PageKeys {
  enc: Buffer;
  mac: Buffer;
}

/** The page keys for a raw 32-byte database key and the file's salt (first 16 bytes of page 1). */
export function pageKeys(dbKey: Uint8Array, dbFile: string): PageKeys {
  const salt = Buffer.alloc(SALT);
  const fd = fs.openSync(dbFile, 'r');
  try {
    fs.readSync(fd, salt, 0, SALT, 0);
  } finally {
    fs.closeSync(fd);
  }
  const macSalt = Buffer.from(salt.map((b) => b ^ 0x3a));
  const enc = Buffer.from(dbKey);
  return { enc, mac: crypto.pbkdf2Sync(enc, macSalt, 2, 32, 'sha512') };
}

/** One decrypted page (throws if its HMAC does not verify, so a wrong reading cannot pass silently). */
export function decryptPage(keys: PageKeys, pgno: number, page: Buffer): Buffer {
  const start = pgno === 1 ? SALT : 0;
  const body = page.subarray(start, PAGE - RESERVE);
  const iv = page.subarray(PAGE - RESERVE, PAGE - MAC);
  const tag = page.subarray(PAGE - MAC, PAGE);
  const no = Buffer.alloc(4);
  no.writeUInt32LE(pgno);
  const expected = crypto.createHmac('sha512', keys.mac).update(body).update(iv).update(no).digest();
  if (!crypto.timingSafeEqual(expected, tag)) throw new Error(`page ${pgno}: HMAC mismatch`);
  const d = crypto.createDecipheriv('aes-256-cbc', keys.enc, iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(body), d.final()]);
}

/** Every page of the database file, decrypted; an all-zero page (never written) is returned as is. */
export function decryptDatabasePages(keys: PageKeys, dbFile: string): Buffer[] {
  const raw = fs.readFileSync(dbFile);
  const out: Buffer[] = [];
  for (let off = 0, pgno = 1; off + PAGE <= raw.length; off += PAGE, pgno++) {
    const page = raw.subarray(off, off + PAGE);
    out.push(page.every((b) => b === 0) ? Buffer.from(page) : decryptPage(keys, pgno, page));
  }
  return out;
}

/** Every frame in the WAL file, decrypted, valid or stale (a stale frame is still on the disk). */
export function decryptWalFrames(keys: PageKeys, walFile: string): Buffer[] {
  if (!fs.existsSync(walFile)) return [];
  const raw = fs.readFileSync(walFile);
  const out: Buffer[] = [];
  for (let off = WAL_HEADER; off + FRAME_HEADER + PAGE <= raw.length; off += FRAME_HEADER + PAGE) {
    const pgno = raw.readUInt32BE(off);
    const page = raw.subarray(off + FRAME_HEADER, off + FRAME_HEADER + PAGE);
    if (pgno === 0 || page.every((b) => b === 0)) continue;
    try {
      out.push(decryptPage(keys, pgno, page));
    } catch {
      // A frame left over from an older WAL generation may carry another page number than the
      // header now names; keep its raw bytes so the raw scan still covers it.
      out.push(Buffer.from(page));
    }
  }
  return out;
}

/** All plaintext a key holder can read from the profile's database and WAL, page by page. */
export function readableWithKey(dbKey: Uint8Array, dbFile: string): { pages: number; text: Buffer } {
  const keys = pageKeys(dbKey, dbFile);
  const pages = [...decryptDatabasePages(keys, dbFile), ...decryptWalFrames(keys, `${dbFile}-wal`)];
  return { pages: pages.length, text: Buffer.concat(pages) };
}
