/**
 * The one rule book for channel state transitions (DESIGN.md §5), as a pure function: clients and
 * the relay run the same code on the same bytes and reach the same verdict.
 */
import { isCleared } from '../shared/model/classification.ts';
import { normalisePolicy } from '../shared/model/policy.ts';
import { bytesEqual, decodeChannelState, type ChannelState } from './ChannelState.ts';
import { CodecError } from './errors.ts';
import { CONTEXT, verifyBytes } from './signing.ts';
import type { TrustView } from './OrgTrust.ts';

export const REJECT_REASONS = [
  'malformed',
  'unknown-signer',
  'bad-signature',
  'not-allowed',
  'wrong-channel',
  'rollback',
  'epoch-gap',
  'fork',
  'member-not-cleared',
  'invalid-members',
  'channel-wiped',
  'invalid-creation',
  'recording-switch',
  'classification-lowered',
  'unendorsed',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type ChannelChangeResult =
  | { kind: 'accepted'; state: ChannelState; rotateSenderKeys: boolean }
  | { kind: 'rejected'; reason: RejectReason };

const reject = (reason: RejectReason): ChannelChangeResult => ({ kind: 'rejected', reason });

/**
 * Decides whether `signedChange` (an encoded signed channel state record) may follow `prev`
 * (`null` for a new channel). Pure: no I/O, no clock; `trust.nowMs` is the instant of judgement.
 * `rotateSenderKeys` is true when a member was removed, or when nothing but the epoch changed (a
 * re-key after a device revocation): every remaining member must then send under a fresh sender key,
 * so the removed member or revoked device cannot read what follows.
 */
export function applyChannelChange(
  prev: ChannelState | null,
  signedChange: Uint8Array,
  trust: TrustView,
  /**
   * False when judging history (`verifyChannelChain`): clearances are judged live only, as each
   * change arrives at the relay and every member device. The organisation keeps only a member's
   * newest certificate, and a clearance lowered today says nothing about what a record signed last
   * week had to respect; judged against today's, a lowered clearance would make the channel
   * unreadable to a new device and impossible for the officer to pause.
   */
  o: { checkClearance?: boolean } = {},
): ChannelChangeResult {
  let next: ChannelState;
  try {
    next = decodeChannelState(signedChange);
  } catch (e) {
    if (e instanceof CodecError) return reject('malformed');
    throw e;
  }
  return judgeChannelChange(prev, next, trust, o);
}

/** `applyChannelChange` on a record already decoded (a chain decodes each record once). */
export function judgeChannelChange(prev: ChannelState | null, next: ChannelState, trust: TrustView, o: { checkClearance?: boolean } = {}): ChannelChangeResult {
  const signerDevice = trust.device(next.signer.userId, next.signer.deviceId);
  const signerMember = trust.member(next.signer.userId);
  if (!signerDevice || !signerMember) return reject('unknown-signer');
  if (!verifyBytes(signerDevice.identityKey, CONTEXT.channelState, next.body, next.signature)) return reject('bad-signature');

  if (prev === null) {
    if (next.epoch !== 0 || next.previousHash.length !== 0 || next.status !== 'active') return reject('invalid-creation');
    if (!signerMember.roles.includes('lead')) return reject('not-allowed');
    const self = next.members.find((m) => m.userId === next.signer.userId);
    if (!self || self.role !== 'owner') return reject('invalid-creation');
  } else {
    if (!bytesEqual(prev.channelId, next.channelId)) return reject('wrong-channel');
    if (next.epoch <= prev.epoch) return reject('rollback');
    if (next.epoch !== prev.epoch + 1) return reject('epoch-gap');
    if (!bytesEqual(next.previousHash, prev.hash)) return reject('fork');
    // A wiped channel is final: every device has shredded it, nothing may bring it back.
    if (prev.status === 'wiped') return reject('channel-wiped');
    const isOfficer = signerMember.roles.includes('security-officer');
    if (!mayChange(prev, next, isOfficer)) return reject('not-allowed');
    // Moving messages between memory and disk would write off-the-record text or drop recorded
    // text on every device: a new channel is the only way.
    if ((prev.policy.recording === 'off-the-record') !== (next.policy.recording === 'off-the-record')) return reject('recording-switch');
    // Lowering the classification releases what was said under the higher marking: the security
    // officer's decision, not a lead's.
    if (next.classification < prev.classification && !isOfficer) return reject('classification-lowered');
  }

  // Stopping a channel (a pause or a wipe, and anything the officer does: status only) leaves the
  // member list as it was accepted; it is not judged again, so a member whose clearance was lowered
  // since never blocks it. Any other change, a lead's resume included, must list only cleared members.
  const statusOnly = prev !== null && next.classification === prev.classification && sameExceptStatusAndLowering(prev, next) && (next.status !== 'active' || signerMember.roles.includes('security-officer'));
  const membership = statusOnly ? null : checkMembers(next, trust, o.checkClearance ?? true);
  if (membership) return reject(membership);

  let removed = false;
  if (prev !== null) {
    const stay = new Set(next.members.map((m) => m.userId));
    // A change that changes nothing but the epoch is a re-key: a lead starts it when a member's
    // device is revoked, so that what follows is under sender keys that device never received.
    removed = prev.members.some((m) => !stay.has(m.userId)) || onlyEpochChanged(prev, next);
  }
  const policy = normalisePolicy(next.policy);
  return { kind: 'accepted', state: policy === next.policy ? next : { ...next, policy }, rotateSenderKeys: removed };
}

function onlyEpochChanged(a: ChannelState, b: ChannelState): boolean {
  return (
    sameExceptStatusAndLowering(a, b) &&
    a.classification === b.classification &&
    a.status === b.status &&
    (a.pausedReason ?? '') === (b.pausedReason ?? '')
  );
}

function mayChange(prev: ChannelState, next: ChannelState, isSecurityOfficer: boolean): boolean {
  const role = prev.members.find((m) => m.userId === next.signer.userId)?.role;
  if (role === 'owner' || role === 'lead') return true;
  // A security officer may pause, resume or wipe any channel of the organisation and lower its
  // classification, and nothing else.
  return isSecurityOfficer && sameExceptStatusAndLowering(prev, next);
}

function sameExceptStatusAndLowering(a: ChannelState, b: ChannelState): boolean {
  return (
    a.name === b.name &&
    b.classification <= a.classification &&
    JSON.stringify(a.policy) === JSON.stringify(normalisePolicy(b.policy)) &&
    a.members.length === b.members.length &&
    a.members.every((m, i) => m.userId === b.members[i]!.userId && m.role === b.members[i]!.role)
  );
}

function checkMembers(s: ChannelState, trust: TrustView, checkClearance: boolean): RejectReason | null {
  if (s.members.length === 0) return 'invalid-members';
  const seen = new Set<string>();
  for (const m of s.members) {
    if (seen.has(m.userId)) return 'invalid-members';
    seen.add(m.userId);
  }
  if (!s.members.some((m) => m.role === 'owner' || m.role === 'lead')) return 'invalid-members';
  // An archived channel lists the records office as a visible member; any other recording mode
  // must not include it, since it would receive what the policy says is not archived.
  if ((s.policy.recording === 'archived') !== s.members.some((m) => m.role === 'records')) return 'invalid-members';
  for (const m of s.members) {
    const cert = trust.member(m.userId);
    if (!cert || (checkClearance && !isCleared(cert.clearance, s.classification))) return 'member-not-cleared';
    if (m.role === 'records' && !cert.roles.includes('records')) return 'invalid-members';
  }
  return null;
}

/**
 * The member list after raising (or setting) the classification: members who are not cleared are
 * dropped, as DESIGN.md §5 asks. The signer uses this before signing the change.
 */
export function membersClearedFor(state: Pick<ChannelState, 'members'>, classification: number, trust: TrustView): ChannelState['members'] {
  return state.members.filter((m) => {
    const cert = trust.member(m.userId);
    return cert !== undefined && isCleared(cert.clearance, classification);
  });
}
