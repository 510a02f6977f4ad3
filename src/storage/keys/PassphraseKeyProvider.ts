/**
 * Passphrase provider: Argon2id (@node-rs/argon2) derives a wrapping key; AES-256-GCM wraps the
 * database key. The Argon2 parameters and salt are stored in the key file and bound into the GCM
 * associated data, so lowering them in the file makes unwrapping fail instead of weakening it.
 */
import crypto from 'node:crypto';
import { hashRaw, type Algorithm } from '@node-rs/argon2';
import { KeyFileTampered, WrongKey } from '../errors.ts';
import { num, str, type KeyProvider, type WrappedFields } from './KeyProvider.ts';

export interface Argon2Params {
  /** KiB of memory. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's first recommended Argon2id setting is 19 MiB/t=2; we take 64 MiB/t=3 for a desktop. */
export const DEFAULT_ARGON2: Argon2Params = { memoryCost: 65536, timeCost: 3, parallelism: 1 };
const ARGON2ID = 2 as Algorithm;
/** Bounds accepted from a key file, so an altered file cannot ask for 100 GB of memory. */
const MAX_MEMORY_KIB = 4 * 1024 * 1024;
const MAX_TIME = 64;

export class PassphraseKeyProvider implements KeyProvider {
  readonly kind = 'passphrase' as const;
  readonly hardwareBacked = false;

  constructor(
    private readonly passphrase: string,
    private readonly params: Argon2Params = DEFAULT_ARGON2,
  ) {}

  async wrap(dbKey: Buffer): Promise<WrappedFields> {
    const salt = crypto.randomBytes(16);
    const p = this.params;
    const kek = await this.derive(salt, p);
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', kek, iv);
    c.setAAD(aad(p, salt));
    const ct = Buffer.concat([c.update(dbKey), c.final(), c.getAuthTag()]);
    kek.fill(0);
    return {
      kdf: 'argon2id',
      m: p.memoryCost,
      t: p.timeCost,
      p: p.parallelism,
      salt: salt.toString('base64'),
      iv: iv.toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  async unwrap(f: WrappedFields): Promise<Buffer> {
    let p: Argon2Params, salt: Buffer, iv: Buffer, ct: Buffer;
    try {
      if (str(f, 'kdf') !== 'argon2id') throw new TypeError('unknown kdf');
      p = { memoryCost: num(f, 'm'), timeCost: num(f, 't'), parallelism: num(f, 'p') };
      if (p.memoryCost < 8 * p.parallelism || p.memoryCost > MAX_MEMORY_KIB || p.timeCost < 1 || p.timeCost > MAX_TIME || p.parallelism < 1 || p.parallelism > 16) {
        throw new RangeError('Argon2 parameters out of range');
      }
      salt = Buffer.from(str(f, 'salt'), 'base64');
      iv = Buffer.from(str(f, 'iv'), 'base64');
      ct = Buffer.from(str(f, 'ct'), 'base64');
      if (salt.length < 16 || iv.length !== 12 || ct.length !== 48) throw new RangeError('field lengths');
    } catch (e) {
      throw new KeyFileTampered('passphrase fields', { cause: e });
    }
    const kek = await this.derive(salt, p);
    try {
      const d = crypto.createDecipheriv('aes-256-gcm', kek, iv);
      d.setAAD(aad(p, salt));
      d.setAuthTag(ct.subarray(32));
      return Buffer.concat([d.update(ct.subarray(0, 32)), d.final()]);
    } catch (e) {
      throw new WrongKey('The passphrase does not unlock this profile.', { cause: e });
    } finally {
      kek.fill(0);
    }
  }

  /** The key file is all there is: shredding it is the destruction. */
  async destroy(): Promise<void> {}

  private derive(salt: Buffer, p: Argon2Params): Promise<Buffer> {
    return hashRaw(this.passphrase.normalize('NFC'), { algorithm: ARGON2ID, ...p, outputLen: 32, salt });
  }
}

function aad(p: Argon2Params, salt: Buffer): Buffer {
  return Buffer.from(`valise-passphrase-v1|argon2id|${p.memoryCost}|${p.timeCost}|${p.parallelism}|${salt.toString('base64')}`);
}
