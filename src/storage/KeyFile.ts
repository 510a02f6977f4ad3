/**
 * The small key file beside the database: which provider wrapped the key, the wrapped key, and a
 * MAC under the database key over all of it. The MAC proves, once the key is unwrapped, that the key
 * is the right one and that no field was changed (a lowered Argon2 cost, a swapped backend name).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseJson } from '../shared/parseJson.ts';
import { KeyFileTampered, ProfileMissing } from './errors.ts';
import { KEY_PROVIDER_KINDS, type KeyProviderKind, type WrappedFields } from './keys/KeyProvider.ts';

export const KEY_FILE_FORMAT = 'valise-key/1';

const schema = z.strictObject({
  format: z.literal(KEY_FILE_FORMAT),
  provider: z.enum(KEY_PROVIDER_KINDS),
  created: z.string().max(64),
  database: z.string().regex(/^[A-Za-z0-9+/]{22}==$/),
  wrapped: z.record(z.string().max(64), z.union([z.string().max(65536), z.number(), z.boolean()])),
  mac: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
});

export interface KeyFile {
  format: typeof KEY_FILE_FORMAT;
  provider: KeyProviderKind;
  created: string;
  /** The database file's SQLCipher salt (its first 16 bytes), tying this key file to that file. */
  database: string;
  wrapped: WrappedFields;
  mac: string;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function macOf(dbKey: Buffer, body: Omit<KeyFile, 'mac'>): Buffer {
  const macKey = Buffer.from(crypto.hkdfSync('sha256', dbKey, Buffer.alloc(0), 'valise key file mac v1', 32));
  return crypto.createHmac('sha256', macKey).update(canonical(body)).digest();
}

export function sealKeyFile(dbKey: Buffer, provider: KeyProviderKind, wrapped: WrappedFields, dbSalt: Buffer): KeyFile {
  const body = { format: KEY_FILE_FORMAT, provider, created: new Date().toISOString(), database: dbSalt.toString('base64'), wrapped } as const;
  return { ...body, mac: macOf(dbKey, body).toString('base64') };
}

/** True when `dbKey` is the key this file was sealed with and no field was changed. */
export function keyFileMatches(file: KeyFile, dbKey: Buffer): boolean {
  const { mac, ...body } = file;
  const expected = macOf(dbKey, body);
  const got = Buffer.from(mac, 'base64');
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}

export function readKeyFile(file: string): KeyFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ProfileMissing('the key file is missing');
    throw e;
  }
  const parsed = parseJson(text, schema);
  if (!parsed.ok) throw new KeyFileTampered(parsed.unreadable ? 'not valid JSON' : 'unexpected fields', { cause: parsed.cause });
  return parsed.data as KeyFile;
}

/** Writes the key file atomically (temp file, fsync, rename, fsync of the directory), mode 0600. */
export function writeKeyFile(file: string, content: KeyFile): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(content, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
