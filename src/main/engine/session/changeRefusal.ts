/**
 * What a refused channel change means to the user, whether this device's own check refused it or the
 * relay did (its message names the reason: "The channel change was refused (not-allowed). …"). Only
 * a change that lost a race with another one is "the channel changed meanwhile".
 */
import { REJECT_REASONS, type RejectReason } from '../../../crypto/index.ts';
import { ApiError } from '../errors.ts';

export function changeRefusal(reason: RejectReason, cause?: unknown): ApiError {
  const code =
    reason === 'member-not-cleared'
      ? 'NOT_CLEARED'
      : reason === 'not-allowed' || reason === 'classification-lowered' || reason === 'unknown-signer'
        ? 'FORBIDDEN'
        : reason === 'recording-switch'
          ? 'POLICY_REFUSED'
          : reason === 'channel-wiped'
            ? 'CHANNEL_WIPED'
            : 'CONFLICT';
  return new ApiError(code, { detail: reason, ...(cause !== undefined ? { cause } : {}) });
}

/** The reason a relay's CHANNEL_CHANGE_REFUSED names, if it names a known one. */
export function relayRefusalReason(message: string): RejectReason | null {
  const m = /\(([a-z-]+)\)/.exec(message);
  const r = m?.[1];
  return r && (REJECT_REASONS as readonly string[]).includes(r) ? (r as RejectReason) : null;
}
