import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyFileTampered, WrongKey } from '../errors.ts';
import { DEFAULT_ARGON2, PassphraseKeyProvider } from './PassphraseKeyProvider.ts';
import { FAST_ARGON2 } from '../../../test/storage/support.ts';

describe('PassphraseKeyProvider', () => {
  it('wraps with Argon2id and records its parameters', async () => {
    const key = crypto.randomBytes(32);
    const fields = await new PassphraseKeyProvider('correct horse', FAST_ARGON2).wrap(key);
    expect(fields).toMatchObject({ kdf: 'argon2id', m: 1024, t: 1, p: 1 });
    expect(JSON.stringify(fields)).not.toContain(key.toString('base64'));
    // Unwrapping uses the parameters from the file, whatever the provider was built with.
    expect(await new PassphraseKeyProvider('correct horse').unwrap(fields)).toEqual(key);
  });

  it('refuses a wrong passphrase with WrongKey', async () => {
    const fields = await new PassphraseKeyProvider('correct horse', FAST_ARGON2).wrap(crypto.randomBytes(32));
    await expect(new PassphraseKeyProvider('correct hors', FAST_ARGON2).unwrap(fields)).rejects.toThrow(WrongKey);
  });

  it('does not accept lowered or absurd parameters from an altered file', async () => {
    const fields = await new PassphraseKeyProvider('pw', { ...FAST_ARGON2, timeCost: 2 }).wrap(crypto.randomBytes(32));
    await expect(new PassphraseKeyProvider('pw').unwrap({ ...fields, t: 1 })).rejects.toThrow(WrongKey);
    await expect(new PassphraseKeyProvider('pw').unwrap({ ...fields, m: 1 << 30 })).rejects.toThrow(KeyFileTampered);
    await expect(new PassphraseKeyProvider('pw').unwrap({ ...fields, salt: 42 })).rejects.toThrow(KeyFileTampered);
  });

  it('defaults to at least 64 MiB and three passes', () => {
    expect(DEFAULT_ARGON2.memoryCost).toBeGreaterThanOrEqual(65536);
    expect(DEFAULT_ARGON2.timeCost).toBeGreaterThanOrEqual(3);
  });
});
