/**
 * The engine reports every failure as an ApiError of the contract (src/shared/api/errors.ts), so
 * the UI and the CLI see one set of codes. This maps the lower layers' typed errors onto it.
 */
import { ApiError, type ApiErrorCode } from '../../shared/api/errors.ts';
import { isValiseError } from '../../shared/errors.ts';

export { ApiError };

const BY_LOWER_CODE: Record<string, ApiErrorCode> = {
  WRONG_KEY: 'UNLOCK_FAILED',
  UNLOCK_FAILED: 'UNLOCK_FAILED',
  WIPE_NOT_ALLOWED: 'FORBIDDEN',
  NOT_CLEARED: 'NOT_CLEARED',
  STATE_CONFLICT: 'CONFLICT',
  IDENTITY_CHANGED: 'IDENTITY_CHANGED',
  UNTRUSTED_IDENTITY: 'IDENTITY_CHANGED',
};

/** Keeps ApiErrors, maps known lower-layer codes, and wraps the rest as INTERNAL (cause kept). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isValiseError(e)) {
    const code = BY_LOWER_CODE[e.code];
    if (code) return new ApiError(code, { cause: e });
    // A lower layer's own user message is written for users too; keep it.
    if (e.kind === 'io') return new ApiError('OFFLINE', { cause: e, message: e.userMessage });
    return new ApiError('INTERNAL', { cause: e, message: e.userMessage });
  }
  return new ApiError('INTERNAL', { cause: e });
}
