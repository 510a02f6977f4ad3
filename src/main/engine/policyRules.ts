/**
 * What the policy and the roles allow on this device (DESIGN.md §1, §5). Pure functions over the
 * engine's view of a channel, so every rule is tested on its own and the engine only asks.
 */
import type { ChannelSummary, Person } from '../../shared/api/schemas.ts';
import type { ChannelPolicy } from '../../shared/model/policy.ts';
import type { ChannelRole, OrgRole } from '../../shared/model/roles.ts';
import { isCleared } from '../../shared/model/classification.ts';
import { MAX_CLOCK_SKEW_MS } from './Clock.ts';
import { ApiError } from './errors.ts';

export interface ChannelMember {
  userId: string;
  role: ChannelRole;
}

/** The engine's view of one channel, as the latest accepted signed state says (plus local notes). */
export interface ChannelView {
  id: string;
  name: string;
  classification: number;
  policy: ChannelPolicy;
  members: ChannelMember[];
  status: 'active' | 'paused' | 'wiped';
  pausedReason: string | null;
  direct: boolean;
}

export interface Me {
  userId: string;
  clearance: number;
  orgRoles: readonly OrgRole[];
}

export function roleIn(ch: ChannelView, userId: string): ChannelRole | undefined {
  return ch.members.find((m) => m.userId === userId)?.role;
}

function isOfficer(me: Me): boolean {
  return me.orgRoles.includes('security-officer');
}

/** Owners and leads of the channel manage it (members, policy, classification). */
export function mayManage(ch: ChannelView, me: Me): boolean {
  const r = roleIn(ch, me.userId);
  return r === 'owner' || r === 'lead';
}

/** A security officer may pause or wipe any channel of the organisation (DESIGN.md §1). */
export function mayPauseOrWipe(ch: ChannelView, me: Me): boolean {
  return mayManage(ch, me) || isOfficer(me);
}

/** Creating a channel (direct ones included) is the lead's right; the signed state enforces it everywhere. */
export function mayCreateChannel(me: Me): boolean {
  return me.orgRoles.includes('lead');
}

/** Throws the reason a message cannot be sent now; returns when it can. */
export function checkSend(ch: ChannelView, me: Me, nowMs: number, attachments = 0): void {
  if (ch.status === 'wiped' || channelEnded(ch, nowMs)) throw new ApiError('CHANNEL_WIPED');
  const role = roleIn(ch, me.userId);
  if (!role) throw new ApiError('NOT_FOUND');
  // The records office receives the record; it does not take part.
  if (role === 'records') throw new ApiError('FORBIDDEN');
  if (ch.status === 'paused') throw new ApiError('CHANNEL_PAUSED', ch.pausedReason ? { detail: `reason: ${ch.pausedReason}` } : undefined);
  if (attachments > 0 && !ch.policy.allowAttachments) throw new ApiError('POLICY_REFUSED');
}

export function checkExport(ch: ChannelView): void {
  if (ch.policy.recording === 'off-the-record' || !ch.policy.allowExport) throw new ApiError('POLICY_REFUSED');
}

export function channelEnded(ch: ChannelView, nowMs: number): boolean {
  return ch.policy.endsAtMs > 0 && nowMs >= ch.policy.endsAtMs;
}

/** Off-the-record channels live in memory only; everything else in the encrypted store. */
export function keepsOnDisk(policy: ChannelPolicy): boolean {
  return policy.recording !== 'off-the-record';
}

/** When a message sent at `sentAt` must be gone by lifetime (null: kept until the channel ends). */
/** When a message's lifetime ends, counted from `fromMs`: the send time here, the receipt time elsewhere. */
export function lifetimeExpiry(policy: ChannelPolicy, fromMs: number): number | null {
  return policy.messageLifetimeMs > 0 ? fromMs + policy.messageLifetimeMs : null;
}

/**
 * A sender's stated time as shown: never later than this device's receipt plus the allowed skew,
 * and, when the relay stamped the delivery with its own receipt time, never earlier than that
 * stamp minus the allowed skew (a sender cannot backdate a statement). The stamp never lifts the
 * time past this device's upper bound, so a relay stamping the future moves a message no later
 * than a sender could. Without a stamp (an older relay), only the upper bound applies.
 */
export function shownSentAt(statedMs: number, receivedMs: number, relayTimeMs?: number): number {
  const ceiling = receivedMs + MAX_CLOCK_SKEW_MS;
  const upper = Number.isSafeInteger(statedMs) && statedMs >= 0 ? Math.min(statedMs, ceiling) : receivedMs;
  if (relayTimeMs === undefined || !Number.isSafeInteger(relayTimeMs) || relayTimeMs <= 0) return upper;
  return Math.max(upper, Math.min(relayTimeMs - MAX_CLOCK_SKEW_MS, ceiling));
}

export function capabilities(ch: ChannelView, me: Me, nowMs: number): ChannelSummary['can'] {
  let send = true;
  try {
    checkSend(ch, me, nowMs);
  } catch {
    send = false;
  }
  const live = ch.status !== 'wiped';
  const otr = ch.policy.recording === 'off-the-record';
  return {
    send,
    manage: live && mayManage(ch, me),
    pause: live && mayPauseOrWipe(ch, me),
    wipe: live && mayPauseOrWipe(ch, me),
    export: live && !otr && ch.policy.allowExport,
    attach: send && ch.policy.allowAttachments,
    copy: !otr && ch.policy.allowCopy,
  };
}

/** Refuses a member list with anyone not cleared for the classification (or unknown). */
export function checkCleared(userIds: readonly string[], people: ReadonlyMap<string, Person>, classification: number): void {
  const bad = userIds.filter((u) => {
    const p = people.get(u);
    return !p || !isCleared(p.clearance, classification);
  });
  if (bad.length > 0) throw new ApiError('NOT_CLEARED', { detail: `${bad.length} of the chosen people` });
}

/** Members that stay after a classification change, and those who must leave. */
export function splitByClearance(members: readonly ChannelMember[], people: ReadonlyMap<string, Person>, classification: number): { kept: ChannelMember[]; removed: string[] } {
  const kept: ChannelMember[] = [];
  const removed: string[] = [];
  for (const m of members) {
    const p = people.get(m.userId);
    if (p && isCleared(p.clearance, classification)) kept.push(m);
    else removed.push(m.userId);
  }
  return { kept, removed };
}

/**
 * An archived channel includes the organisation's records office as a visible member; any other
 * recording mode must not (it would receive what the policy says is not archived).
 */
export function withRecordsMember(members: readonly ChannelMember[], policy: ChannelPolicy, recordsUserId: string | null): ChannelMember[] {
  const rest = members.filter((m) => m.role !== 'records');
  if (policy.recording !== 'archived') return rest;
  if (!recordsUserId) throw new ApiError('POLICY_REFUSED', { detail: 'the organisation has no records office' });
  return [...rest.filter((m) => m.userId !== recordsUserId), { userId: recordsUserId, role: 'records' }];
}

/** What a desktop notification may show: nothing of the content for off-the-record channels. */
export function notificationBody(policy: ChannelPolicy, setting: 'content' | 'sender' | 'none', sender: string, text: string): string | null {
  if (setting === 'none') return null;
  if (policy.recording === 'off-the-record' || setting === 'sender') return `New message from ${sender}`;
  return `${sender}: ${text}`;
}
