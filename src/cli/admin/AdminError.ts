/** The admin tool's refusals: a stable code, and a message that says what to do. */
export type AdminErrorCode =
  | 'ADMIN_REFUSED'
  | 'RELAY_NOT_PINNED'
  | 'UNKNOWN_USER'
  | 'AMBIGUOUS_USER'
  | 'ENROLMENT_UNKNOWN'
  | 'ENROLMENT_AMBIGUOUS'
  | 'ENROLMENT_NOT_OPENED'
  | 'ENROLMENT_CODE_MISMATCH'
  | 'ENROLMENT_TOKEN_MISMATCH'
  | 'DEVICE_ID_IN_USE';

/** A refusal of the admin tool; the message says what to do. */
export class AdminError extends Error {
  constructor(
    message: string,
    readonly code: AdminErrorCode = 'ADMIN_REFUSED',
  ) {
    super(message);
  }
}
