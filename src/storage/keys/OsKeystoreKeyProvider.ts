/**
 * OS key store provider: Electron's safeStorage (Keychain, DPAPI, libsecret/KWallet), reached
 * through an injected interface so that storage never imports Electron. On Linux, safeStorage falls
 * back to `basic_text` (a hard-coded key) when no keyring is running; we refuse it. The backend is
 * recorded in the key file and unlocking fails clearly if it later differs, instead of silently
 * failing to decrypt (or silently re-wrapping under a weaker backend).
 */
import { InsecureKeystoreBackend, KeyFileTampered, KeyProviderUnavailable, KeystoreBackendChanged, WrongKey } from '../errors.ts';
import { str, type KeyProvider, type WrappedFields } from './KeyProvider.ts';

/** The part of Electron's `safeStorage` we use; the Electron shell passes the real one. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown'. */
  getSelectedStorageBackend?(): string;
}

const INSECURE = new Set(['basic_text', 'unknown']);

export class OsKeystoreKeyProvider implements KeyProvider {
  readonly kind = 'os-keystore' as const;
  readonly hardwareBacked = false;

  constructor(private readonly safeStorage: SafeStorageLike) {}

  private backend(): string {
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new KeyProviderUnavailable('The system key store is not available. Unlock your keyring (or log in to the desktop session) and try again, or use another key provider.');
    }
    const b = this.safeStorage.getSelectedStorageBackend?.() ?? 'platform';
    if (INSECURE.has(b)) throw new InsecureKeystoreBackend(b);
    return b;
  }

  async wrap(dbKey: Buffer): Promise<WrappedFields> {
    const backend = this.backend();
    const blob = this.safeStorage.encryptString(dbKey.toString('base64'));
    return { backend, blob: blob.toString('base64') };
  }

  /**
   * Nothing to destroy per profile: the key store's own key serves the whole application (and
   * other profiles); the blob in the key file is what shredding destroys.
   */
  async destroy(): Promise<void> {}

  async unwrap(f: WrappedFields): Promise<Buffer> {
    let recorded: string, blob: Buffer;
    try {
      recorded = str(f, 'backend');
      blob = Buffer.from(str(f, 'blob'), 'base64');
    } catch (e) {
      throw new KeyFileTampered('key store fields', { cause: e });
    }
    const now = this.backend();
    if (now !== recorded) throw new KeystoreBackendChanged(recorded, now);
    let text: string;
    try {
      text = this.safeStorage.decryptString(blob);
    } catch (e) {
      throw new WrongKey('The system key store could not unlock this profile (another user account or a reset keyring?).', { cause: e });
    }
    const key = Buffer.from(text, 'base64');
    if (key.length !== 32) throw new WrongKey('The system key store returned an unusable key.');
    return key;
  }
}
