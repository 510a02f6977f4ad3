/**
 * The error codes the API can return, each with the English message a user sees. The code is
 * stable (programs, tests and the CLI's exit codes use it); the message says what happened and
 * what to do, and never contains message content, keys or tokens.
 */
import { TabledError, type ErrorTable } from '../errors.ts';

export const API_ERRORS = {
  BAD_REQUEST: { kind: 'input', message: 'The request was not understood. Update Valise and try again.' },
  UNKNOWN_METHOD: { kind: 'input', message: 'This action is not available in this version of Valise.' },
  LOCKED: { kind: 'state', message: 'Valise is locked. Unlock it to continue.' },
  UNLOCK_FAILED: { kind: 'verification', message: 'Valise could not be unlocked. Check your passphrase or security key and try again.' },
  NOT_ENROLLED: { kind: 'state', message: 'This device is not enrolled yet. Join an organisation or start a local one first.' },
  ALREADY_ENROLLED: { kind: 'state', message: 'This profile is already enrolled. Use another profile to join a second organisation.' },
  ENROLMENT_PENDING: { kind: 'state', message: 'Enrolment is waiting for the security officer to approve the comparison code.' },
  ENROLMENT_CODE_MISMATCH: { kind: 'verification', message: 'The code you typed does not match the one on this request. Nothing was approved; compare the code on the new device again.' },
  ENROLMENT_REJECTED: { kind: 'verification', message: 'The security officer did not approve this device. Ask them to start enrolment again.' },
  BAD_ORG_CONFIG: { kind: 'input', message: 'The organisation file is not valid. Ask your security office for a new org.json.' },
  DEVICE_REVOKED: { kind: 'verification', message: 'This device was revoked by your organisation; its data has been erased. Contact your security office.' },
  REVOCATION_UNPROVEN: { kind: 'verification', message: 'The relay says this device was revoked, but gave no proof signed by your organisation. Valise stopped connecting; ask your security officer.' },
  RELAY_CERTIFICATE_MISMATCH: { kind: 'verification', message: 'The relay presented another TLS certificate than the one pinned in your organisation file. Valise did not connect; tell your security officer.' },
  OFFLINE: { kind: 'io', message: 'Valise cannot reach the relay right now. It keeps trying; your messages wait in the outbox.' },
  NOT_FOUND: { kind: 'input', message: 'That channel, message or person no longer exists, or you cannot see it.' },
  FORBIDDEN: { kind: 'usage', message: 'Your role does not allow this action. Ask a team lead or the security office.' },
  NOT_CLEARED: { kind: 'usage', message: 'A chosen person is not cleared for this classification. Pick only cleared people or lower the classification.' },
  CHANNEL_PAUSED: { kind: 'state', message: 'This channel is paused; nobody can send until a lead resumes it.' },
  CHANNEL_WIPED: { kind: 'state', message: 'This channel was wiped and can no longer be used.' },
  POLICY_REFUSED: { kind: 'usage', message: "The channel's policy does not allow this (for example export or attachments)." },
  IDENTITY_CHANGED: { kind: 'verification', message: "A member's safety number changed. Verify it before sending to that device." },
  SAFETY_NUMBER_MISMATCH: { kind: 'verification', message: 'The safety number you entered does not match. Compare it again in person or by phone.' },
  CONFLICT: { kind: 'state', message: 'The channel changed meanwhile. Look at the new state and try again.' },
  TOO_LARGE: { kind: 'input', message: 'That is too large: shorten it and try again. A message holds up to 191 KiB of text (about 195,000 Latin letters or 65,000 Chinese characters), a name 400 bytes, a reason 2,000 bytes.' },
  EMPTY_TEXT: { kind: 'input', message: 'The text is empty. Type something and try again.' },
  PASSPHRASE_REQUIRED: { kind: 'input', message: 'A passphrase is needed to unlock this profile. Type it and try again.' },
  PASSPHRASE_TOO_SHORT: { kind: 'input', message: 'The passphrase is too short. Choose one of at least 8 characters.' },
  PROFILE_DAMAGED: { kind: 'state', message: 'The local message database is damaged and cannot be opened. It was left untouched; restore the profile from a backup or re-enrol this device.' },
  INVALID_TEXT: { kind: 'input', message: 'The text holds a broken character (a lone surrogate) and could not be sent as typed. Retype or paste it again.' },
  UNREACHABLE: { kind: 'state', message: 'Some members cannot be reached yet: their devices have not been online since they were enrolled, so there are no keys to encrypt to. The others got the message; ask them to open Valise once, then send again.' },
  INTERNAL: { kind: 'internal', message: 'Something went wrong inside Valise. Nothing you had stored was lost; try again.' },
} as const satisfies ErrorTable;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const API_ERROR_CODES = Object.keys(API_ERRORS) as ApiErrorCode[];

/** An error the engine reports through the API; the transport carries `code` and `message`. */
export class ApiError extends TabledError<ApiErrorCode> {
  /** The failure is about the connection or the relay's load, not the request: trying again later may work. */
  readonly transient: boolean;
  /** With `transient`: how long to wait before trying again (rate limits), if the relay said. */
  readonly retryAfterMs: number | undefined;
  constructor(
    code: ApiErrorCode,
    options?: { cause?: unknown; detail?: string; message?: string; transient?: boolean; retryAfterMs?: number },
  ) {
    const base = options?.message ?? API_ERRORS[code].message;
    // `detail` is for safe specifics such as a reason for a pause; never message content.
    super(code, API_ERRORS[code], options?.detail ? `${base} (${options.detail})` : base, options);
    this.transient = options?.transient ?? false;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERRORS, code);
}
