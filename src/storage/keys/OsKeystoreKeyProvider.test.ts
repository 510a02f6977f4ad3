/** safeStorage through its interface: a stand-in that really encrypts, bound to one "login session". */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InsecureKeystoreBackend, KeyProviderUnavailable, KeystoreBackendChanged, WrongKey } from '../errors.ts';
import { OsKeystoreKeyProvider, type SafeStorageLike } from './OsKeystoreKeyProvider.ts';

class FakeSafeStorage implements SafeStorageLike {
  private readonly secret = crypto.randomBytes(32);
  constructor(
    public backend = 'gnome_libsecret',
    public available = true,
  ) {}
  isEncryptionAvailable() {
    return this.available;
  }
  getSelectedStorageBackend() {
    return this.backend;
  }
  encryptString(text: string): Buffer {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.secret, iv);
    return Buffer.concat([iv, c.update(text, 'utf8'), c.final(), c.getAuthTag()]);
  }
  decryptString(b: Buffer): string {
    const d = crypto.createDecipheriv('aes-256-gcm', this.secret, b.subarray(0, 12));
    d.setAuthTag(b.subarray(b.length - 16));
    return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8');
  }
}

describe('OsKeystoreKeyProvider', () => {
  it('wraps with the OS key store and records the backend', async () => {
    const ss = new FakeSafeStorage();
    const key = crypto.randomBytes(32);
    const fields = await new OsKeystoreKeyProvider(ss).wrap(key);
    expect(fields['backend']).toBe('gnome_libsecret');
    expect(JSON.stringify(fields)).not.toContain(key.toString('base64'));
    expect(await new OsKeystoreKeyProvider(ss).unwrap(fields)).toEqual(key);
  });

  it("refuses Linux's basic_text fallback", async () => {
    await expect(new OsKeystoreKeyProvider(new FakeSafeStorage('basic_text')).wrap(crypto.randomBytes(32))).rejects.toThrow(InsecureKeystoreBackend);
  });

  it('fails clearly when the backend changed since wrapping, or the store is unavailable', async () => {
    const ss = new FakeSafeStorage('kwallet5');
    const fields = await new OsKeystoreKeyProvider(ss).wrap(crypto.randomBytes(32));
    ss.backend = 'gnome_libsecret';
    await expect(new OsKeystoreKeyProvider(ss).unwrap(fields)).rejects.toThrow(KeystoreBackendChanged);
    ss.backend = 'basic_text';
    await expect(new OsKeystoreKeyProvider(ss).unwrap(fields)).rejects.toThrow(InsecureKeystoreBackend);
    await expect(new OsKeystoreKeyProvider(new FakeSafeStorage('kwallet5', false)).unwrap(fields)).rejects.toThrow(KeyProviderUnavailable);
  });

  it('reports a key store that cannot decrypt (another account) as WrongKey', async () => {
    const fields = await new OsKeystoreKeyProvider(new FakeSafeStorage()).wrap(crypto.randomBytes(32));
    await expect(new OsKeystoreKeyProvider(new FakeSafeStorage()).unwrap(fields)).rejects.toThrow(WrongKey);
  });

  it('works on platforms without a backend selector (macOS, Windows)', async () => {
    const ss = new FakeSafeStorage();
    const plain: SafeStorageLike = { isEncryptionAvailable: () => true, encryptString: (t) => ss.encryptString(t), decryptString: (b) => ss.decryptString(b) };
    const key = crypto.randomBytes(32);
    const fields = await new OsKeystoreKeyProvider(plain).wrap(key);
    expect(fields['backend']).toBe('platform');
    expect(await new OsKeystoreKeyProvider(plain).unwrap(fields)).toEqual(key);
  });
});
