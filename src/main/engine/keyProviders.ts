/**
 * Builds the key provider chosen at enrolment (DESIGN.md §6). The Electron shell injects the OS
 * key store (safeStorage); the TPM and PKCS#11 providers take their device settings from the
 * environment so the headless CLI can use them too.
 */
import {
  DEFAULT_ARGON2,
  PassphraseKeyProvider,
  Pkcs11KeyProvider,
  Tpm2KeyProvider,
  type Argon2Params,
  type KeyProvider,
} from '../../storage/index.ts';
import type { KeyProviderKind } from '../../shared/api/schemas.ts';
import { ApiError } from './errors.ts';

export interface KeyProviderOptions {
  /** The OS key store, when the host has one (Electron's safeStorage). */
  osKeystore?: () => KeyProvider;
  /** Argon2id cost for the passphrase provider (tests lower it). */
  argon2?: Argon2Params;
  env?: NodeJS.ProcessEnv;
}

export function makeKeyProvider(kind: KeyProviderKind, passphrase: string | undefined, o: KeyProviderOptions = {}): KeyProvider {
  const env = o.env ?? process.env;
  switch (kind) {
    case 'passphrase':
      if (!passphrase) throw new ApiError('PASSPHRASE_REQUIRED');
      return new PassphraseKeyProvider(passphrase, o.argon2 ?? DEFAULT_ARGON2);
    case 'tpm':
      return new Tpm2KeyProvider({ ...(env.VALISE_TPM_TCTI ? { tcti: env.VALISE_TPM_TCTI } : {}), ...(passphrase ? { pin: passphrase } : {}) });
    case 'pkcs11': {
      const library = env.VALISE_PKCS11_LIBRARY;
      const tokenLabel = env.VALISE_PKCS11_TOKEN;
      const pin = passphrase ?? env.VALISE_PKCS11_PIN;
      if (!library || !tokenLabel || !pin) throw new ApiError('UNLOCK_FAILED', { detail: 'set VALISE_PKCS11_LIBRARY and VALISE_PKCS11_TOKEN, and give the PIN' });
      return new Pkcs11KeyProvider({ library, tokenLabel, pin });
    }
    case 'os-keystore':
      if (!o.osKeystore) throw new ApiError('UNLOCK_FAILED', { detail: 'no OS key store is available here; choose another key provider' });
      return o.osKeystore();
  }
}

/** The storage layer names the TPM provider "tpm2". */
export function apiProviderKind(kind: string): KeyProviderKind {
  return kind === 'tpm2' ? 'tpm' : (kind as KeyProviderKind);
}
