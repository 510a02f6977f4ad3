/** Against a real PKCS#11 module: SoftHSM2 with a private token directory for this file. */
import crypto from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyProviderUnavailable, WrongKey } from '../errors.ts';
import { Pkcs11KeyProvider } from './Pkcs11KeyProvider.ts';
import { SOFTHSM_LIB, setUpSoftHsm } from '../../../test/storage/support.ts';

const hsm = setUpSoftHsm();
afterAll(() => hsm.cleanup());
const provider = (over: Partial<{ pin: string; tokenLabel: string; keyLabel: string }> = {}) =>
  new Pkcs11KeyProvider({ library: SOFTHSM_LIB, tokenLabel: over.tokenLabel ?? hsm.tokenLabel, pin: over.pin ?? hsm.pin, ...(over.keyLabel ? { keyLabel: over.keyLabel } : {}) });

/** Runs `look` in a logged-in session on the test token, opened directly, not through the provider. */
function onToken<T>(look: (p: pkcs11js.PKCS11, s: Buffer) => T): T {
  const p = new pkcs11js.PKCS11();
  p.load(SOFTHSM_LIB);
  p.C_Initialize();
  try {
    const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === hsm.tokenLabel)!;
    const s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    p.C_Login(s, pkcs11js.CKU_USER, hsm.pin);
    const result = look(p, s);
    p.C_Logout(s);
    p.C_CloseSession(s);
    return result;
  } finally {
    p.C_Finalize();
  }
}

/** The token objects with this label. */
function objectsLabelled(p: pkcs11js.PKCS11, s: Buffer, label: string): Buffer[] {
  p.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_LABEL, value: label }]);
  const handles = p.C_FindObjects(s, 10);
  p.C_FindObjectsFinal(s);
  return handles;
}

/** The token's secret keys with this label. */
function keysLabelled(label: string): number {
  return onToken((p, s) => objectsLabelled(p, s, label).length);
}

describe('Pkcs11KeyProvider', () => {
  it('wraps with a token key and unwraps only through the token', async () => {
    const key = crypto.randomBytes(32);
    const fields = await provider().wrap(key);
    expect(JSON.stringify(fields)).not.toContain(key.toString('base64'));
    expect(await provider().unwrap(fields)).toEqual(key);
    // A fixed label is shared: a second wrap reuses the same token key.
    const shared = await provider({ keyLabel: 'team-key' }).wrap(key);
    expect(await provider({ keyLabel: 'team-key' }).unwrap(await provider({ keyLabel: 'team-key' }).wrap(key))).toEqual(key);
    expect(await provider({ keyLabel: 'team-key' }).unwrap(shared)).toEqual(key);
    expect(keysLabelled('team-key')).toBe(1);
  });

  it('destroys the profile’s own token key, so a kept copy of the key file opens nothing', async () => {
    const key = crypto.randomBytes(32);
    const mine = await provider().wrap(key);
    const other = await provider().wrap(key);
    expect(mine['key']).not.toBe(other['key']);
    expect(keysLabelled(mine['key'] as string)).toBe(1);
    await provider().destroy(mine);
    expect(keysLabelled(mine['key'] as string)).toBe(0);
    await expect(provider().unwrap(mine)).rejects.toThrow(KeyProviderUnavailable);
    // Another profile on the same token keeps its key.
    expect(await provider().unwrap(other)).toEqual(key);
    // The older shared key is never destroyed: other profiles may use it.
    const legacy = await provider({ keyLabel: 'valise-profile-key' }).wrap(key);
    await provider().destroy(legacy);
    expect(await provider().unwrap(legacy)).toEqual(key);
  });

  it('keeps the token key non-extractable and sensitive', async () => {
    const { key: label } = await provider().wrap(crypto.randomBytes(32));
    onToken((p, s) => {
      const handles = objectsLabelled(p, s, label as string);
      expect(handles).toHaveLength(1);
      const attrs = p.C_GetAttributeValue(s, handles[0]!, [{ type: pkcs11js.CKA_EXTRACTABLE }, { type: pkcs11js.CKA_SENSITIVE }]);
      expect(attrs.map((a) => (a.value as Buffer)[0])).toEqual([0, 1]);
      expect(() => p.C_GetAttributeValue(s, handles[0]!, [{ type: pkcs11js.CKA_VALUE }])).toThrow();
    });
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
