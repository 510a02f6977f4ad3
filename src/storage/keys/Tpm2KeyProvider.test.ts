/** Against a real (software) TPM 2.0: swtpm on a free loopback port, driven by tpm2-tools. */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyProviderUnavailable, WrongKey } from '../errors.ts';
import { Tpm2KeyProvider } from './Tpm2KeyProvider.ts';
import { startSwtpm, type Swtpm } from '../../../test/storage/support.ts';

let tpm: Swtpm;
let other: Swtpm;
beforeAll(async () => {
  tpm = await startSwtpm();
  other = await startSwtpm();
});
afterAll(async () => {
  await tpm?.stop();
  await other?.stop();
});

describe('Tpm2KeyProvider', () => {
  it('seals and unseals the key without a PIN, repeatedly (transient contexts are flushed)', async () => {
    const key = crypto.randomBytes(32);
    const p = new Tpm2KeyProvider({ tcti: tpm.tcti });
    const fields = await p.wrap(key);
    expect(JSON.stringify(fields)).not.toContain(key.toString('base64'));
    expect(fields['pin']).toBe(false);
    for (let i = 0; i < 5; i++) expect(await p.unwrap(fields)).toEqual(key);
  });

  it('requires the right PIN when sealed with one', async () => {
    const key = crypto.randomBytes(32);
    const fields = await new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '2468' }).wrap(key);
    expect(await new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '2468' }).unwrap(fields)).toEqual(key);
    await expect(new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '1357' }).unwrap(fields)).rejects.toThrow(WrongKey);
    await expect(new Tpm2KeyProvider({ tcti: tpm.tcti }).unwrap(fields)).rejects.toThrow(WrongKey);
  });

  it('cannot unseal on another TPM', async () => {
    const fields = await new Tpm2KeyProvider({ tcti: tpm.tcti }).wrap(crypto.randomBytes(32));
    await expect(new Tpm2KeyProvider({ tcti: other.tcti }).unwrap(fields)).rejects.toThrow(KeyProviderUnavailable);
  });

  it('fails clearly when no TPM answers', async () => {
    await expect(new Tpm2KeyProvider({ tcti: 'swtpm:host=127.0.0.1,port=1' }).wrap(crypto.randomBytes(32))).rejects.toThrow(KeyProviderUnavailable);
  });
});
