/**
 * The engine reports every failure as an ApiError of the contract (src/shared/api/errors.ts), so
 * the UI and the CLI see one set of codes. This maps the lower layers' typed errors onto it.
 */
import { ApiError, type ApiErrorCode } from '../../shared/api/errors.ts';
import { isValiseError } from '../../shared/errors.ts';

export { ApiError };

const BY_LOWER_CODE: Record<string, ApiErrorCode> = {
  // storage
  STORAGE_WRONG_KEY: 'UNLOCK_FAILED',
  STORAGE_KEY_PROVIDER_UNAVAILABLE: 'UNLOCK_FAILED',
  STORAGE_KEYSTORE_INSECURE: 'UNLOCK_FAILED',
  STORAGE_KEYSTORE_CHANGED: 'UNLOCK_FAILED',
  STORAGE_KEY_FILE_TAMPERED: 'UNLOCK_FAILED',
  STORAGE_CORRUPT: 'PROFILE_DAMAGED',
  // crypto
  WIPE_NOT_ALLOWED: 'FORBIDDEN',
  UNTRUSTED_IDENTITY: 'IDENTITY_CHANGED',
  // relay refusals
  CHANNEL_PAUSED: 'CHANNEL_PAUSED',
  CHANNEL_WIPED: 'CHANNEL_WIPED',
  NOT_A_MEMBER: 'FORBIDDEN',
  FORBIDDEN: 'FORBIDDEN',
  CHANNEL_CHANGE_REFUSED: 'CONFLICT',
  AUTH_REVOKED: 'DEVICE_REVOKED',
  RELAY_UNAVAILABLE: 'OFFLINE',
  CERTIFICATE_PIN_MISMATCH: 'RELAY_CERTIFICATE_MISMATCH',
  NO_PREKEYS: 'UNREACHABLE',
  NO_SESSION: 'UNREACHABLE',
};

/** Keeps ApiErrors, maps known lower-layer codes, and wraps the rest as INTERNAL (cause kept). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isValiseError(e)) {
    const code = BY_LOWER_CODE[e.code];
    // Keep the lower layer's message where it says more (e.g. which key provider is missing).
    if (code) return new ApiError(code, { cause: e, ...(code === 'UNLOCK_FAILED' || code === 'OFFLINE' ? { message: e.userMessage } : {}) });
    // A lower layer's own user message is written for users too; keep it.
    if (e.kind === 'io') return new ApiError('OFFLINE', { cause: e, message: e.userMessage });
    return new ApiError('INTERNAL', { cause: e, message: e.userMessage });
  }
  return new ApiError('INTERNAL', { cause: e });
}

/** The same failure, marked transient: the outbox keeps the message and tries again later. */
export function retryLater(e: unknown, retryAfterMs?: number): ApiError {
  const a = toApiError(e);
  return new ApiError(a.code, { cause: e, message: a.userMessage, transient: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}
