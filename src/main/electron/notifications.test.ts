import { describe, expect, it, vi } from 'vitest';
import type { ChannelSummary, MessageView } from '../../shared/api/schemas.ts';
import { DEFAULT_POLICY } from '../../shared/model/policy.ts';
import { captureBlocked } from './contentProtection.ts';
import { NotificationGate, notificationFor, notificationForMany } from './notifications.ts';

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

describe('notification bursts', () => {
  it('one message shows as it would alone; many show as a count only', () => {
    expect(notificationForMany(1, msg, channel({}), { notifications: 'content' })?.body).toBe('the quota is 40%');
    const many = notificationForMany(1200, msg, channel({}), { notifications: 'content' }, 'en');
    expect(many).toEqual({ title: 'Valise', body: '1,200 new messages' });
    expect(notificationForMany(3, msg, channel({}), { notifications: 'content' }, 'fr')?.body).toBe('3 nouveaux messages');
    expect(notificationForMany(3, msg, channel({}), { notifications: 'none' })).toBeNull();
  });

  it('shows the first message after a quiet spell at once and the rest of a burst as one, later', () => {
    vi.useFakeTimers();
    try {
      const shown: [number, string][] = [];
      const gate = new NotificationGate((count, sample) => shown.push([count, sample.id]), 3000, () => Date.now());
      gate.arrived({ ...msg, id: 'm1' });
      expect(shown).toEqual([[1, 'm1']]);
      for (let i = 2; i <= 5000; i++) gate.arrived({ ...msg, id: `m${i}` });
      gate.arrived({ ...msg, id: 'mine', mine: true });
      expect(shown).toHaveLength(1);
      vi.advanceTimersByTime(3000);
      expect(shown).toEqual([[1, 'm1'], [4999, 'm2']]);
      vi.advanceTimersByTime(10_000);
      gate.arrived({ ...msg, id: 'later' });
      expect(shown.at(-1)).toEqual([1, 'later']);
      gate.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
