/** Turns stored records into the API's views (no secrets, only what a screen shows). */
import type { ChannelState } from '../../crypto/index.ts';
import type { StoredMessage } from '../../storage/index.ts';
import type { ChannelSummary, MessageView } from '../../shared/api/schemas.ts';
import { hex } from '../../base/hex.ts';
import { capabilities, type ChannelView, type Me } from './policyRules.ts';

export { hex, unhex } from '../../base/hex.ts';

export function channelView(state: ChannelState, pausedReason: string | null): ChannelView {
  return {
    id: hex(state.channelId),
    name: state.name,
    classification: state.classification,
    policy: state.policy,
    members: state.members.map((m) => ({ userId: m.userId, role: m.role })),
    status: state.status,
    pausedReason: state.status === 'paused' ? pausedReason : null,
    direct: state.members.filter((m) => m.role !== 'records').length === 2 && state.name.startsWith('@'),
  };
}

export function summaryOf(ch: ChannelView, me: Me, now: number, extra: { unread: number; lastMessageAt: number | null }): ChannelSummary {
  return {
    id: ch.id,
    name: ch.name,
    classification: ch.classification,
    policy: ch.policy,
    status: ch.status,
    pausedReason: ch.pausedReason,
    direct: ch.direct,
    myRole: ch.members.find((m) => m.userId === me.userId)?.role ?? 'member',
    unread: extra.unread,
    lastMessageAt: extra.lastMessageAt,
    can: capabilities(ch, me, now),
  };
}

/** The sender column holds "userId.deviceId". */
export function senderOf(m: StoredMessage): { userId: string; deviceId: string } {
  const i = m.sender.lastIndexOf('.');
  return i < 0 ? { userId: m.sender, deviceId: '0' } : { userId: m.sender.slice(0, i), deviceId: m.sender.slice(i + 1) };
}

/** True if `userId` sent `m` (from any of their devices): the user id is compared whole, not as a prefix. */
export function sentByUser(m: StoredMessage, userId: string): boolean {
  return senderOf(m).userId === userId;
}

export function messageView(
  m: StoredMessage,
  me: { userId: string; deviceId: number },
  names: (userId: string) => string,
  delivery: Pick<MessageView, 'delivery' | 'deliveries'>,
  readByMe: boolean,
): MessageView {
  const s = senderOf(m);
  const mine = s.userId === me.userId && s.deviceId === String(me.deviceId);
  return {
    id: m.id,
    channelId: m.channelId,
    senderUserId: s.userId,
    senderDeviceId: s.deviceId,
    senderName: names(s.userId),
    mine,
    text: m.text,
    attachments: [],
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    expiresAt: m.expiresAt,
    readByMe: mine || readByMe,
    delivery: mine ? delivery.delivery : null,
    deliveries: mine ? delivery.deliveries : [],
  };
}
