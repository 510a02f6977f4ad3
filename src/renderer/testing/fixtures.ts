/** Views as the engine would send them, for component and store tests. */
import type { ChannelSummary, MessageView } from '../../shared/api/schemas.ts';
import { DEFAULT_POLICY, type ChannelPolicy } from '../../shared/model/policy.ts';

export function channel(over: Partial<Omit<ChannelSummary, 'policy'>> & { policy?: Partial<ChannelPolicy> } = {}): ChannelSummary {
  const { policy, ...rest } = over;
  return {
    id: 'c1',
    name: 'Talks',
    classification: 3,
    status: 'active',
    pausedReason: null,
    direct: false,
    myRole: 'member',
    unread: 0,
    lastMessageAt: null,
    can: { send: true, manage: false, pause: false, wipe: false, export: false, attach: false, copy: false },
    ...rest,
    policy: { ...DEFAULT_POLICY, ...policy },
  };
}

export function message(i: number, over: Partial<MessageView> = {}): MessageView {
  return {
    id: `m${i}`,
    channelId: 'c1',
    senderUserId: 'bob',
    senderDeviceId: 'bob-1',
    senderName: 'Bob',
    mine: false,
    text: `message number ${i}`,
    attachments: [],
    sentAt: 1_700_000_000_000 + i * 1000,
    receivedAt: 1_700_000_000_000 + i * 1000,
    expiresAt: null,
    readByMe: true,
    delivery: null,
    deliveries: [],
    ...over,
  };
}
