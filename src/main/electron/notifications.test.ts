import { describe, expect, it } from 'vitest';
import type { ChannelSummary, MessageView } from '../../shared/api/schemas.ts';
import { DEFAULT_POLICY } from '../../shared/model/policy.ts';
import { captureBlocked } from './contentProtection.ts';
import { notificationFor } from './notifications.ts';

const channel = (over: Partial<ChannelSummary>): ChannelSummary => ({
  id: 'c', name: 'Room 4', classification: 0, policy: { ...DEFAULT_POLICY, screenCapture: 'allow' }, status: 'active', pausedReason: null, direct: false, myRole: 'member', unread: 0, lastMessageAt: null,
  can: { send: true, manage: false, pause: false, wipe: false, export: false, attach: false, copy: false }, ...over,
});
const msg = { id: 'm', channelId: 'c', senderUserId: 'bob', senderDeviceId: 'b1', senderName: 'Bob', mine: false, text: 'the quota is 40%', attachments: [], sentAt: 1, receivedAt: 1, expiresAt: null, readByMe: false, delivery: null, deliveries: [] } satisfies MessageView;

describe('notifications', () => {
  it('carry no sender, channel or text above UNCLASSIFIED', () => {
    const n = notificationFor(msg, channel({ classification: 3 }), { notifications: 'content' });
    expect(JSON.stringify(n)).not.toMatch(/quota|Bob|Room 4/);
    expect(n).toEqual({ title: 'Valise', body: 'New message' });
  });

  it('carry no content for an off-the-record channel, even UNCLASSIFIED', () => {
    const n = notificationFor(msg, channel({ policy: { ...DEFAULT_POLICY, recording: 'off-the-record' } }), { notifications: 'content' });
    expect(JSON.stringify(n)).not.toMatch(/quota|Bob|Room 4/);
  });

  it('may show the text of an UNCLASSIFIED recorded channel when the user asked for it', () => {
    expect(notificationFor(msg, channel({}), { notifications: 'content' })?.body).toBe('the quota is 40%');
    expect(JSON.stringify(notificationFor(msg, channel({}), { notifications: 'sender' }))).not.toContain('quota');
    expect(notificationFor(msg, channel({}), { notifications: 'none' })).toBeNull();
  });
});

describe('content protection', () => {
  it('is on while a capture-blocked or unknown channel is visible, off otherwise', () => {
    const open = channel({ id: 'open' });
    const closed = channel({ id: 'closed', policy: { ...DEFAULT_POLICY, screenCapture: 'block' } });
    expect(captureBlocked('closed', [open, closed])).toBe(true);
    expect(captureBlocked('open', [open, closed])).toBe(false);
    expect(captureBlocked('gone', [open])).toBe(true);
    expect(captureBlocked(null, [closed])).toBe(false);
  });
});
