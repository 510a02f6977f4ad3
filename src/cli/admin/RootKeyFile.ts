/**
 * The organisation root key at rest (DESIGN.md §4): its 32 private bytes encrypted with AES-256-GCM
 * under a key derived from the security officer's passphrase with Argon2id. The parameters and
 * salt are stored with it; the org id is bound as associated data so a key file cannot be passed
 * off as another organisation's.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { hashRaw, type Algorithm } from '@node-rs/argon2';
import { z } from 'zod';

const ARGON2ID = 2 as Algorithm;

/** OWASP's recommended Argon2id floor is m=19 MiB, t=2; the root key is opened rarely, so more. */
export const DEFAULT_KDF = { memoryCost: 64 * 1024, timeCost: 3, parallelism: 1 };

const FileSchema = z.object({
  version: z.literal(1),
  orgId: z.string(),
  kdf: z.object({ algorithm: z.literal('argon2id'), memoryCost: z.number().int().min(8192), timeCost: z.number().int().min(1), parallelism: z.number().int().min(1), salt: z.string() }),
  cipher: z.literal('aes-256-gcm'),
  iv: z.string(),
  ciphertext: z.string(),
  tag: z.string(),
});

export class RootKeyFileError extends Error {}

async function derive(passphrase: string, salt: Uint8Array, p: { memoryCost: number; timeCost: number; parallelism: number }): Promise<Buffer> {
  return hashRaw(passphrase, { ...p, salt, outputLen: 32, algorithm: ARGON2ID });
}

export async function writeRootKeyFile(file: string, orgId: string, privateKey: Uint8Array, passphrase: string, kdf = DEFAULT_KDF): Promise<void> {
  if (passphrase.length < 12) throw new RootKeyFileError('The passphrase must be at least 12 characters long.');
  const salt = randomBytes(16);
  const key = await derive(passphrase, salt, kdf);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(`valise/v1/org-root-key:${orgId}`));
  const ciphertext = Buffer.concat([c.update(privateKey), c.final()]);
  key.fill(0);
  const body = {
    version: 1,
    orgId,
    kdf: { algorithm: 'argon2id', ...kdf, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: c.getAuthTag().toString('base64'),
  };
  fs.writeFileSync(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
}

export async function readRootKeyFile(file: string, passphrase: string): Promise<{ orgId: string; privateKey: Uint8Array }> {
  let parsed;
  try {
    parsed = FileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    throw new RootKeyFileError(`The root key file ${file} cannot be read (${e instanceof Error ? e.message.split('\n')[0] : 'invalid'}).`);
  }
  const { salt, algorithm: _a, ...kdf } = parsed.kdf;
  const key = await derive(passphrase, Buffer.from(salt, 'base64'), kdf);
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(parsed.iv, 'base64'));
    d.setAAD(Buffer.from(`valise/v1/org-root-key:${parsed.orgId}`));
    d.setAuthTag(Buffer.from(parsed.tag, 'base64'));
    const privateKey = Buffer.concat([d.update(Buffer.from(parsed.ciphertext, 'base64')), d.final()]);
    return { orgId: parsed.orgId, privateKey: new Uint8Array(privateKey) };
  } catch {
    throw new RootKeyFileError('Wrong passphrase, or the root key file was altered.');
  } finally {
    key.fill(0);
  }
}
