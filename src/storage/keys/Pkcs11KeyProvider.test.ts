/** Against a real PKCS#11 module: SoftHSM2 with a private token directory for this file. */
import crypto from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyProviderUnavailable, WrongKey } from '../errors.ts';
import { Pkcs11KeyProvider } from './Pkcs11KeyProvider.ts';
import { SOFTHSM_LIB, setUpSoftHsm } from '../../../test/storage/support.ts';

const hsm = setUpSoftHsm();
afterAll(() => hsm.cleanup());
const provider = (over: Partial<{ pin: string; tokenLabel: string }> = {}) =>
  new Pkcs11KeyProvider({ library: SOFTHSM_LIB, tokenLabel: over.tokenLabel ?? hsm.tokenLabel, pin: over.pin ?? hsm.pin });

describe('Pkcs11KeyProvider', () => {
  it('wraps with a token key and unwraps only through the token', async () => {
    const key = crypto.randomBytes(32);
    const fields = await provider().wrap(key);
    expect(JSON.stringify(fields)).not.toContain(key.toString('base64'));
    expect(await provider().unwrap(fields)).toEqual(key);
    // A second wrap reuses the same token key.
    expect(await provider().unwrap(await provider().wrap(key))).toEqual(key);
  });

  it('keeps the token key non-extractable and sensitive', async () => {
    await provider().wrap(crypto.randomBytes(32));
    const p = new pkcs11js.PKCS11();
    p.load(SOFTHSM_LIB);
    p.C_Initialize();
    try {
      const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === hsm.tokenLabel)!;
      const s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      p.C_Login(s, pkcs11js.CKU_USER, hsm.pin);
      p.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_LABEL, value: 'valise-profile-key' }]);
      const handles = p.C_FindObjects(s, 10);
      p.C_FindObjectsFinal(s);
      expect(handles).toHaveLength(1);
      const attrs = p.C_GetAttributeValue(s, handles[0]!, [{ type: pkcs11js.CKA_EXTRACTABLE }, { type: pkcs11js.CKA_SENSITIVE }]);
      expect(attrs.map((a) => (a.value as Buffer)[0])).toEqual([0, 1]);
      expect(() => p.C_GetAttributeValue(s, handles[0]!, [{ type: pkcs11js.CKA_VALUE }])).toThrow();
      p.C_Logout(s);
      p.C_CloseSession(s);
    } finally {
      p.C_Finalize();
    }
  });

  it('refuses a wrong PIN with WrongKey and a missing token clearly', async () => {
    const fields = await provider().wrap(crypto.randomBytes(32));
    await expect(provider({ pin: '000000' }).unwrap(fields)).rejects.toThrow(WrongKey);
    await expect(provider({ tokenLabel: 'not-inserted' }).wrap(crypto.randomBytes(32))).rejects.toThrow(KeyProviderUnavailable);
  });

  it('detects an altered ciphertext', async () => {
    const fields = await provider().wrap(crypto.randomBytes(32));
    const ct = Buffer.from(fields['ct'] as string, 'base64');
    ct[3] = ct[3]! ^ 1;
    await expect(provider().unwrap({ ...fields, ct: ct.toString('base64') })).rejects.toThrow(/altered/);
  });
});
