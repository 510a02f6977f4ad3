import { isValiseError } from '../../shared/errors.ts';
import { isApiErrorCode } from '../../shared/api/errors.ts';

/**
 * What the stores keep of a failed call: the API error code when there is one (the view
 * translates it through the catalogue), else the message the engine sent. Never a stack trace.
 */
export function errorMessage(e: unknown): string {
  if (isValiseError(e) && isApiErrorCode(e.code)) return e.code;
  if (isValiseError(e)) return e.userMessage;
  if (e instanceof Error && e.name === 'RemoteError') return e.message;
  return 'INTERNAL';
}
