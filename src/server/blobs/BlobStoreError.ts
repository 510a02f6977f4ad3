/**
 * Refusals of the relay's blob store. The codes are stable: the relay sends them to the client in
 * a RelayError with the same code, so they never name a file, a path or a key.
 */
import { TabledError, type ErrorTable } from '../../shared/errors.ts';

export const BLOB_ERROR_CODES = {
  /** No such blob or upload for this device (also for ids that are malformed or someone else's). */
  BLOB_UNKNOWN: { kind: 'state', message: 'The file is not on the relay (it may have expired or been deleted). Ask the sender to send it again.' },
  /** An append that does not start where the committed data ends; `committed` says where it does. */
  BLOB_OFFSET_MISMATCH: { kind: 'usage', message: 'The upload continued from the wrong place. Resume it from the length the relay reported.' },
  BLOB_TOO_LARGE: { kind: 'usage', message: 'The file is larger than your organisation allows. Nothing more was stored.' },
  BLOB_QUOTA_EXCEEDED: { kind: 'state', message: 'This device has used its space on the relay. Wait until recipients have fetched earlier files, then try again.' },
  BLOB_BAD_LENGTH: { kind: 'input', message: 'The upload does not have the length it announced. Send the file again.' },
  BLOB_DIGEST_MISMATCH: { kind: 'input', message: 'The uploaded file was damaged on the way. Send the file again.' },
  BLOB_FINISHED: { kind: 'usage', message: 'This upload is already complete; nothing was changed.' },
} as const satisfies ErrorTable;

export type BlobErrorCode = keyof typeof BLOB_ERROR_CODES;

export class BlobStoreError extends TabledError<BlobErrorCode> {
  constructor(
    code: BlobErrorCode,
    /** For BLOB_OFFSET_MISMATCH: the length the relay holds, where the upload must resume. */
    readonly committed?: number,
    options?: { cause?: unknown },
  ) {
    super(code, BLOB_ERROR_CODES[code], undefined, options);
  }
}
