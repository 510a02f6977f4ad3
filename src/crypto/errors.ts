/**
 * Typed errors of the crypto layer. Every failure that untrusted input can cause surfaces as one of
 * these, never as a raw libsignal or protobuf exception, so callers can log and show it safely.
 */
import { ValiseError } from '../shared/errors.ts';

/** Bytes from outside (network, disk, IPC) that are too large or do not parse. */
export class CodecError extends ValiseError {
  readonly code = 'CODEC';
  readonly kind = 'input' as const;
  constructor(
    /** What was being decoded, e.g. "Envelope"; safe to log. */
    readonly what: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`A ${what} received could not be read (${detail}). It was ignored; nothing stored was changed.`, options);
  }
}

export type CertificateProblem =
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'wrong-signer'
  | 'wrong-org'
  | 'malformed'
  | 'clearance-too-low'
  | 'missing';

const CERT_MESSAGES: Record<CertificateProblem, string> = {
  expired: 'has expired. Ask your security officer for a new one.',
  'not-yet-valid': 'is not valid yet. Check this computer\'s clock.',
  revoked: 'has been revoked by the organisation.',
  'wrong-signer': 'was not signed by your organisation. It may be forged; report this to your security officer.',
  'wrong-org': 'belongs to another organisation.',
  malformed: 'could not be read.',
  'clearance-too-low': 'does not grant the clearance this channel needs.',
  missing: 'is missing. The person or device has not been enrolled by your organisation.',
};

/** A member or device certificate (or revocation) that failed verification. */
export class CertificateError extends ValiseError {
  readonly code: string;
  readonly kind = 'verification' as const;
  constructor(
    readonly problem: CertificateProblem,
    readonly subject: 'member certificate' | 'device certificate' | 'revocation',
    options?: { cause?: unknown },
  ) {
    super(`The ${subject} ${CERT_MESSAGES[problem]}`, options);
    this.code = `CERT_${problem.toUpperCase().replaceAll('-', '_')}`;
  }
}

/** A signed record whose signature does not verify with the key that should have made it. */
export class SignatureError extends ValiseError {
  readonly code = 'BAD_SIGNATURE';
  readonly kind = 'verification' as const;
  constructor(readonly what: string, options?: { cause?: unknown }) {
    super(`The signature on a ${what} is not valid. It was ignored; report this to your security officer if it repeats.`, options);
  }
}

/**
 * A peer device's identity key differs from the one we trusted (or is not covered by its device
 * certificate). Sending to that device is blocked until the key is verified again.
 */
export class UntrustedIdentity extends ValiseError {
  readonly code = 'UNTRUSTED_IDENTITY';
  readonly kind = 'verification' as const;
  constructor(readonly address: string, options?: { cause?: unknown }) {
    super(`The security key of device ${address} has changed. Nothing is sent to it until you verify its safety number again.`, options);
  }
}

/** A message that was already decrypted once (a replay or a redelivery). */
export class DuplicateMessage extends ValiseError {
  readonly code = 'DUPLICATE_MESSAGE';
  readonly kind = 'input' as const;
  constructor(options?: { cause?: unknown }) {
    super('A message arrived twice; the copy was ignored.', options);
  }
}

/** A ciphertext that does not decrypt: altered in transit, or for a session we do not have. */
export class DecryptionError extends ValiseError {
  readonly code: string;
  readonly kind = 'verification' as const;
  constructor(
    readonly reason: 'corrupt' | 'no-session' | 'no-sender-key' | 'invalid-prekey',
    options?: { cause?: unknown },
  ) {
    const msg = {
      corrupt: 'A message could not be decrypted because it was damaged or altered. Ask the sender to send it again.',
      'no-session': 'A message could not be decrypted because there is no secure session with its sender yet. It will be requested again.',
      'no-sender-key': 'A channel message could not be decrypted because the sender\'s channel key has not arrived, or you are no longer a member.',
      'invalid-prekey': 'A message refers to a one-time key that was already used or never existed. Ask the sender to send it again.',
    }[reason];
    super(msg, options);
    this.code = `DECRYPT_${reason.toUpperCase().replaceAll('-', '_')}`;
  }
}

/** A Kyber last-resort prekey used a second time with the same base key (a replay of PQXDH). */
export class KyberPrekeyReuse extends ValiseError {
  readonly code = 'KYBER_PREKEY_REUSE';
  readonly kind = 'verification' as const;
  constructor() {
    super('A session set-up message was replayed. It was refused.');
  }
}

/** The caller asked for something the current state does not allow (e.g. a channel we are not in). */
export class CryptoUsageError extends ValiseError {
  readonly code: string;
  readonly kind = 'usage' as const;
  constructor(code: string, userMessage: string, options?: { cause?: unknown }) {
    super(userMessage, options);
    this.code = code;
  }
}
