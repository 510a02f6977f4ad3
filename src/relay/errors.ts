/**
 * Errors of the relay. Every refusal a client can see carries one of these stable codes in a
 * RelayError response; the message says what happened and what to do, and never holds content,
 * keys or tokens.
 */
import { ValiseError, type ErrorKind } from '../shared/errors.ts';

export const RELAY_ERROR_CODES = {
  PROTOCOL_VERSION: 'input',
  BAD_REQUEST: 'input',
  NOT_AUTHENTICATED: 'usage',
  AUTH_UNSANCTIONED: 'verification',
  AUTH_EXPIRED: 'verification',
  AUTH_REVOKED: 'verification',
  AUTH_BAD_SIGNATURE: 'verification',
  AUTH_CHALLENGE_USED: 'verification',
  FORBIDDEN: 'verification',
  TOO_MANY_CONNECTIONS: 'usage',
  RATE_LIMITED: 'usage',
  QUEUE_FULL: 'state',
  NOT_A_MEMBER: 'verification',
  CHANNEL_PAUSED: 'state',
  CHANNEL_WIPED: 'state',
  CHANNEL_UNKNOWN: 'state',
  CHANNEL_CHANGE_REFUSED: 'verification',
  ENROLMENT_UNKNOWN: 'state',
  ENROLMENT_CODE_MISMATCH: 'verification',
  ENROLMENT_NOT_OPENED: 'state',
  ENROLMENT_NONCE_ISSUED: 'state',
  CERTIFICATE_REFUSED: 'verification',
  UNKNOWN_USER: 'state',
  NO_PREKEYS: 'state',
  NAME_REFUSED: 'input',
  ENROLMENT_LIMIT: 'usage',
  INTERNAL: 'internal',
} as const satisfies Record<string, ErrorKind>;

export type RelayErrorCode = keyof typeof RELAY_ERROR_CODES;

/** A refusal by the relay, sent to the client as a RelayError with the same code. */
export class RelayError extends ValiseError {
  readonly kind: ErrorKind;
  constructor(
    readonly code: RelayErrorCode,
    userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
    this.kind = RELAY_ERROR_CODES[code];
  }
}

/** A refusal received from the relay, on the client side. */
export class RelayRefused extends ValiseError {
  readonly kind = 'verification' as const;
  constructor(
    readonly code: string,
    userMessage: string,
  ) {
    super(userMessage);
  }
}

/** The connection to the relay dropped or could not be made. */
export class RelayUnavailable extends ValiseError {
  readonly code = 'RELAY_UNAVAILABLE';
  readonly kind = 'io' as const;
  constructor(
    detail: string,
    readonly closeCode?: number,
    options?: { cause?: unknown },
  ) {
    super(`The relay is not reachable (${detail}). Check the network and try again.`, options);
  }
}

/** WebSocket close codes the relay uses (4000–4999 are free for applications). */
export const CLOSE = {
  GOING_AWAY: 1001,
  MALFORMED: 1007,
  TOO_BIG: 1009,
  PROTOCOL_VERSION: 4000,
  AUTH_FAILED: 4001,
  REVOKED: 4003,
  RATE_LIMITED: 4008,
  TOO_MANY_CONNECTIONS: 4009,
  HANDSHAKE_TIMEOUT: 4010,
} as const;
