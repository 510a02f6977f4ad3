import { isValiseError } from '../../shared/errors.ts';
import { API_ERRORS } from '../../shared/api/errors.ts';

/** The user-facing message of anything an API call threw; never a stack trace. */
export function errorMessage(e: unknown): string {
  if (isValiseError(e)) return e.userMessage;
  if (e instanceof Error && e.name === 'RemoteError') return e.message;
  return API_ERRORS.INTERNAL.message;
}
