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
  BLOB_UNKNOWN: 'state',
  BLOB_OFFSET_MISMATCH: 'usage',
  BLOB_TOO_LARGE: 'usage',
  BLOB_QUOTA_EXCEEDED: 'state',
  BLOB_BAD_LENGTH: 'input',
  BLOB_DIGEST_MISMATCH: 'input',
  BLOB_FINISHED: 'usage',
  BLOB_NOT_ALLOWED: 'usage',
  BLOB_UNAVAILABLE: 'state',
  INTERNAL: 'internal',
} as const satisfies Record<string, ErrorKind>;

export type RelayErrorCode = keyof typeof RELAY_ERROR_CODES;

/** A refusal by the relay, sent to the client as a RelayError with the same code. */
export class RelayError extends ValiseError {
  readonly kind: ErrorKind;
  /** With AUTH_REVOKED: the org-signed revocation that justifies it, sent along to the device. */
  readonly revocation: Uint8Array | undefined;
  /** Why, in a fixed vocabulary without content (e.g. "not-allowed"): what the audit log records beside the code. */
  readonly reason: string | undefined;
  constructor(
    readonly code: RelayErrorCode,
    userMessage: string,
    options?: { cause?: unknown; revocation?: Uint8Array | undefined; reason?: string },
  ) {
    super(userMessage, options);
    this.kind = RELAY_ERROR_CODES[code];
    this.revocation = options?.revocation;
    this.reason = options?.reason;
  }
}

/** A refusal received from the relay, on the client side. */
export class RelayRefused extends ValiseError {
  readonly kind = 'verification' as const;
  constructor(
    readonly code: string,
    userMessage: string,
    /** With AUTH_REVOKED: the revocation the relay sent as proof (unverified; empty when none). */
    readonly revocation: Uint8Array = new Uint8Array(),
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

/**
 * The connection dropped during a blob transfer. What the relay holds is kept: continue on a new
 * connection with the same `blobId` (an upload from `committed`, a download from `offset`).
 */
export class BlobTransferInterrupted extends RelayUnavailable {
  constructor(
    readonly blobId: Uint8Array,
    /** Upload: bytes the relay acknowledged holding. Download: bytes already handed to the caller. */
    readonly offset: number,
    options?: { cause?: unknown },
  ) {
    super('the connection dropped during a file transfer; it continues where it stopped once reconnected', undefined, options);
  }
}
