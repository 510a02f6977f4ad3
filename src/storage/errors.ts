/**
 * Typed errors of the encrypted local store. Messages say what happened and what to do; they never
 * carry keys, secrets or message content, so every one of them can be logged.
 */
import { ValiseError, type ErrorKind } from '../shared/errors.ts';

/** The key (or the secret that unlocks it) does not open this profile. Nothing was changed. */
export class WrongKey extends ValiseError {
  readonly code = 'STORAGE_WRONG_KEY';
  readonly kind: ErrorKind = 'input';
  constructor(detail = 'The passphrase, PIN or key does not unlock this profile.', options?: { cause?: unknown }) {
    super(`${detail} Nothing was changed; try again with the right one.`, options);
  }
}

/** The database file is damaged (truncated or altered). It was left untouched. */
export class StoreCorrupt extends ValiseError {
  readonly code = 'STORAGE_CORRUPT';
  readonly kind: ErrorKind = 'io';
  constructor(options?: { cause?: unknown }) {
    super(
      'The local message database is damaged and cannot be opened. It was left untouched; restore it from a backup or re-enrol this device.',
      options,
    );
  }
}

/** The small key file beside the database is malformed or was altered. */
export class KeyFileTampered extends ValiseError {
  readonly code = 'STORAGE_KEY_FILE_TAMPERED';
  readonly kind: ErrorKind = 'verification';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`The profile's key file is damaged or was altered (${detail}). Nothing was changed; restore it or re-enrol this device.`, options);
  }
}

/** The database was written by a newer Valise than this one. */
export class SchemaTooNew extends ValiseError {
  readonly code = 'STORAGE_SCHEMA_TOO_NEW';
  readonly kind: ErrorKind = 'state';
  constructor(found: number, known: number) {
    super(`This profile was written by a newer version of Valise (schema ${found}, this version knows ${known}). Update Valise to open it.`);
  }
}

/** No profile (or no key file) exists where one was expected, e.g. after a whole-profile wipe. */
export class ProfileMissing extends ValiseError {
  readonly code = 'STORAGE_PROFILE_MISSING';
  readonly kind: ErrorKind = 'state';
  constructor(what: string) {
    super(`No Valise profile was found (${what}). Create a profile or enrol this device again.`);
  }
}

/** A key provider cannot be used on this machine (missing device, refused backend, changed backend). */
export class KeyProviderUnavailable extends ValiseError {
  readonly code: string = 'STORAGE_KEY_PROVIDER_UNAVAILABLE';
  readonly kind: ErrorKind = 'state';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
  }
}

/** Linux's safeStorage fell back to plain text: the key would be readable by anyone with the disk. */
export class InsecureKeystoreBackend extends KeyProviderUnavailable {
  override readonly code = 'STORAGE_KEYSTORE_INSECURE';
  constructor(backend: string) {
    super(
      `The system key store is not available (backend "${backend}" keeps keys in plain text). Unlock or install a keyring (GNOME Keyring, KWallet) or choose another key provider such as a TPM or a passphrase.`,
    );
  }
}

/** The OS key store backend differs from the one the key was wrapped with. */
export class KeystoreBackendChanged extends KeyProviderUnavailable {
  override readonly code = 'STORAGE_KEYSTORE_CHANGED';
  constructor(recorded: string, now: string) {
    super(
      `The system key store changed since this profile was created (was "${recorded}", now "${now}"). Start Valise in the same desktop session as before, or unlock with a recovery method and re-key.`,
    );
  }
}

/** A record that the protocol asked for does not exist. */
export class RecordNotFound extends ValiseError {
  readonly code = 'STORAGE_NOT_FOUND';
  readonly kind: ErrorKind = 'state';
  constructor(what: string) {
    super(`A required record is missing from the local store (${what}). Re-establish the session or re-sync.`);
  }
}

/** Something the caller did that the store does not allow (e.g. writing a wiped channel). */
export class StorageUsageError extends ValiseError {
  readonly code = 'STORAGE_USAGE';
  readonly kind: ErrorKind = 'usage';
  constructor(detail: string) {
    super(detail);
  }
}

/** A message body failed authentication: altered in the file, or its channel key is gone. */
export class MessageUnreadable extends ValiseError {
  readonly code = 'STORAGE_MESSAGE_UNREADABLE';
  readonly kind: ErrorKind = 'verification';
  constructor(options?: { cause?: unknown }) {
    super('A stored message could not be decrypted; it may have been altered on disk. Other messages are unaffected.', options);
  }
}
