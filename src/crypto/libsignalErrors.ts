/**
 * Maps libsignal's exceptions to our typed errors, so nothing untyped escapes the crypto layer.
 */
import { ErrorCode, LibSignalErrorBase } from '@signalapp/libsignal-client';
import { isValiseError, InternalError, type ValiseError } from '../shared/errors.ts';
import { DecryptionError, DuplicateMessage, KyberPrekeyReuse, UntrustedIdentity } from './errors.ts';

export function fromLibsignal(e: unknown, address: string): ValiseError {
  if (isValiseError(e)) return e;
  if (e instanceof LibSignalErrorBase) {
    // A store callback that threw one of ours comes back wrapped; keep ours.
    if (isValiseError(e.cause)) return e.cause;
    // libsignal reports a store callback's exception only as text naming the callback.
    if (e.message.includes("'markKyberPreKeyUsed'") && e.message.includes('replayed')) return new KyberPrekeyReuse();
    // A prekey store that has no such key (used already, or never issued).
    if (/'(loadPreKey|loadSignedPreKey|loadKyberPreKey|getPreKey|getSignedPreKey|getKyberPreKey)'/.test(e.message)) {
      return new DecryptionError('invalid-prekey', { cause: e });
    }
    switch (e.code) {
      case ErrorCode.DuplicatedMessage:
        return new DuplicateMessage({ cause: e });
      case ErrorCode.UntrustedIdentity:
        return new UntrustedIdentity(address, { cause: e });
      case ErrorCode.InvalidSession:
        return new DecryptionError('no-session', { cause: e });
      case ErrorCode.InvalidSenderKeySession:
        return new DecryptionError('no-sender-key', { cause: e });
      default:
        return new DecryptionError('corrupt', { cause: e });
    }
  }
  if (e instanceof Error && /prekey/i.test(e.message)) return new DecryptionError('invalid-prekey', { cause: e });
  if (e instanceof Error && /session/i.test(e.message)) return new DecryptionError('no-session', { cause: e });
  return new InternalError(e);
}
