/**
 * How a device takes a channel's chain from the relay (FetchChannelState) without trusting the
 * relay (DESIGN.md §2, §5): when it was added at a later epoch, missed changes, or acts as the
 * security officer on a channel it is not a member of. The rules are in src/crypto/README.md
 * ("Chains"); in short:
 * - the chain is for the channel asked, and EXTENDS what the device holds: its record at the held
 *   epoch has exactly the held hash (no fork, no rollback, whatever the gap); a device that holds
 *   nothing takes it only from epoch 0;
 * - it is taken up to the record that was pushed, which it must contain at its epoch;
 * - each new record follows the one before under `judgeChannelChange`;
 * - a signer's own clock is never trusted: a record whose signer is not valid NOW (revoked or
 *   expired) is taken only when a later record of the same chain, signed by a lead or owner of
 *   the channel who is valid now, extends it, or when the device already held it. A security
 *   officer's own records (status changes, lowering) are taken but vouch for nothing before them.
 */
import { bytesEqual, decodeChannelState, type ChannelState } from './ChannelState.ts';
import { judgeChannelChange, type ChannelChangeResult, type RejectReason } from './applyChannelChange.ts';
import { CodecError } from './errors.ts';
import type { TrustView } from './OrgTrust.ts';

export interface ChainContext {
  /** The channel asked for: the chain of any other channel is refused. */
  channelId: Uint8Array;
  /** The newest state this device has accepted for the channel; null when it holds none. */
  held: ChannelState | null;
  /** The record whose arrival made the device fetch: the chain must contain it and is taken up to it. */
  pushed?: Uint8Array | undefined;
  /** Trust now (`OrgTrust.view(now)`): who may sign a record nobody valid has extended. */
  now: TrustView;
  /** Every certificate the organisation issued (`OrgTrust.everIssued(now)`), for extended history. */
  ever: TrustView;
  /**
   * 'allow' only for a security officer about to pause, resume or wipe: records nobody valid has
   * vouched for are then taken too (reported in `unvouchedFrom`), so a channel whose last change
   * came from a key revoked since can still be stopped. Those records stay refused by every
   * device, since an officer's record vouches for nothing.
   */
  unvouched?: 'refuse' | 'allow';
}

export type ChainResult = (ChannelChangeResult & { index?: number }) & { unvouchedFrom?: number };

const refuse = (reason: RejectReason, index?: number): ChainResult => ({ kind: 'rejected', reason, ...(index === undefined ? {} : { index }) });

/** Decides whether `changes` (the relay's chain, epoch 0 first) may replace what the device holds. */
export function verifyChannelChain(changes: readonly Uint8Array[], ctx: ChainContext): ChainResult {
  const { held } = ctx;
  if (held && !bytesEqual(held.channelId, ctx.channelId)) return refuse('wrong-channel');
  const decode = (bytes: Uint8Array | undefined): ChannelState | null => {
    if (!bytes) return null;
    try {
      return decodeChannelState(bytes);
    } catch (e) {
      if (e instanceof CodecError) return null;
      throw e;
    }
  };

  // Records are indexed by epoch (the chain starts at 0 and each record is the next epoch).
  const start = held ? held.epoch + 1 : 0;
  if (held) {
    const mine = decode(changes[held.epoch]);
    if (!mine || mine.epoch !== held.epoch || !bytesEqual(mine.hash, held.hash)) return refuse('fork', held.epoch);
  }
  let end = changes.length - 1;
  if (ctx.pushed) {
    const p = decode(ctx.pushed);
    if (!p) return refuse('malformed');
    if (!bytesEqual(p.channelId, ctx.channelId)) return refuse('wrong-channel');
    const at = decode(changes[p.epoch]);
    if (!at || !bytesEqual(at.hash, p.hash)) return refuse('fork', p.epoch);
    end = p.epoch;
  }
  if (end < start) return refuse(held ? 'rollback' : 'invalid-creation', end < 0 ? 0 : end);

  let state = held;
  let rotate = false;
  // The first record whose signer is not valid now and that no valid lead has extended yet.
  let unvouchedFrom = -1;
  for (let i = start; i <= end; i++) {
    const next = decode(changes[i]);
    if (!next) return refuse('malformed', i);
    if (i === 0 && !bytesEqual(next.channelId, ctx.channelId)) return refuse('wrong-channel', 0);
    if (next.epoch !== i) return refuse(next.epoch < i ? 'rollback' : 'epoch-gap', i);
    const r = judgeChannelChange(state, next, ctx.ever, { checkClearance: false });
    if (r.kind === 'rejected') return { ...r, index: i };
    if (!validNow(next, ctx.now)) {
      if (unvouchedFrom < 0) unvouchedFrom = i;
    } else if (vouches(state, next)) {
      unvouchedFrom = -1;
    }
    state = r.state;
    rotate ||= r.rotateSenderKeys;
  }
  // Nothing valid now has extended these: their signer's key may have been used after it was revoked.
  if (unvouchedFrom >= 0 && ctx.unvouched !== 'allow') return refuse('unendorsed', unvouchedFrom);
  return { kind: 'accepted', state: state!, rotateSenderKeys: rotate, ...(unvouchedFrom >= 0 ? { unvouchedFrom } : {}) };
}

/** A lead or owner of the channel (as it stood before the record) vouches for the history it extends. */
function vouches(prev: ChannelState | null, next: ChannelState): boolean {
  if (prev === null) return true;
  const role = prev.members.find((m) => m.userId === next.signer.userId)?.role;
  return role === 'owner' || role === 'lead';
}

function validNow(s: ChannelState, now: TrustView): boolean {
  return now.device(s.signer.userId, s.signer.deviceId) !== undefined && now.member(s.signer.userId) !== undefined;
}
