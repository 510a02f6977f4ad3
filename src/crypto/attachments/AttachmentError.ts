/**
 * Typed errors of the attachment scheme. A blob that fails any check is refused as a whole: the
 * caller discards whatever plaintext it had already received from the stream.
 */
import { ValiseError, type ErrorKind } from '../../shared/errors.ts';

export type AttachmentProblem =
  | 'tampered'
  | 'reordered'
  | 'truncated'
  | 'extended'
  | 'digest-mismatch'
  | 'not-this-message'
  | 'bad-padding'
  | 'bad-descriptor'
  | 'bad-key'
  | 'too-large'
  | 'misuse';

const PROBLEMS: Record<AttachmentProblem, { kind: ErrorKind; message: string }> = {
  tampered: { kind: 'verification', message: 'was changed after it was sent' },
  reordered: { kind: 'verification', message: 'arrived with its parts out of order' },
  truncated: { kind: 'input', message: 'is incomplete' },
  extended: { kind: 'verification', message: 'has data appended after its end' },
  'digest-mismatch': { kind: 'verification', message: 'is not the file the message refers to (its digest differs)' },
  'not-this-message': { kind: 'verification', message: 'belongs to another message or was encrypted with another key' },
  'bad-padding': { kind: 'verification', message: 'has a size that does not match the message' },
  'bad-descriptor': { kind: 'input', message: 'is described wrongly in its message' },
  'bad-key': { kind: 'usage', message: 'cannot be opened with a key of this length' },
  'too-large': { kind: 'usage', message: 'is larger than an attachment can be' },
  misuse: { kind: 'usage', message: 'was handled in the wrong order by the program (encrypted twice, or its key read before encryption ended)' },
};

const ADVICE: Record<ErrorKind, string> = {
  verification: 'It was refused; ask the sender to send it again and tell your security officer if it repeats.',
  input: 'It was refused; download it again.',
  usage: 'Nothing was sent or stored.',
  state: 'Nothing was stored.',
  io: 'Nothing was stored.',
  internal: 'Nothing was stored.',
};

export class AttachmentError extends ValiseError {
  readonly code: string;
  readonly kind: ErrorKind;
  constructor(
    readonly problem: AttachmentProblem,
    options?: { cause?: unknown },
  ) {
    const { kind, message } = PROBLEMS[problem];
    super(`The attached file ${message}. ${ADVICE[kind]}`, options);
    this.kind = kind;
    this.code = `ATTACHMENT_${problem.toUpperCase().replaceAll('-', '_')}`;
  }
}
