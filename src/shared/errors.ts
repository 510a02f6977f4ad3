/**
 * The base of every typed error in Valise. Each layer defines its own subclasses in its own
 * `errors.ts`; all of them carry a stable `code` (for programs, logs and tests) and a `userMessage`
 * that tells a person what happened and what to do. Messages never contain message content, keys
 * or tokens, so an error can always be logged.
 */
export abstract class ValiseError extends Error {
  abstract readonly code: string;
  /** Who is at fault: bad input from outside, a failed verification, misuse by the caller, or us. */
  abstract readonly kind: ErrorKind;

  constructor(
    readonly userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
    this.name = new.target.name;
  }

  /** A log-safe summary: code, kind and the user message; never the cause's own data. */
  toLog(): { code: string; kind: ErrorKind; message: string } {
    return { code: this.code, kind: this.kind, message: this.userMessage };
  }
}

export type ErrorKind = 'input' | 'verification' | 'usage' | 'state' | 'io' | 'internal';

/** What a table of error codes holds for each code: who is at fault and what a person is told. */
export interface ErrorEntry {
  kind: ErrorKind;
  message: string;
}

/** A table of stable error codes, each with its kind and its English message. */
export type ErrorTable = Record<string, ErrorEntry>;

/**
 * An error whose code picks its kind and message from a table (the API's codes, the blob store's
 * refusals). `message` replaces the table's message when the caller has a more precise one.
 */
export abstract class TabledError<C extends string> extends ValiseError {
  readonly kind: ErrorKind;
  constructor(
    readonly code: C,
    entry: ErrorEntry,
    message: string = entry.message,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = entry.kind;
  }
}

export function isValiseError(e: unknown): e is ValiseError {
  return e instanceof ValiseError;
}

/** An error we did not expect, wrapped so that it still has a code and a safe message. */
export class InternalError extends ValiseError {
  readonly code = 'INTERNAL';
  readonly kind = 'internal' as const;
  constructor(cause?: unknown) {
    super('Something went wrong inside Valise. Nothing you had stored was lost; try again.', { cause });
  }
}

/** Turns anything thrown into a ValiseError, keeping typed ones as they are. */
export function toValiseError(e: unknown): ValiseError {
  return isValiseError(e) ? e : new InternalError(e);
}
