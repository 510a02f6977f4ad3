import { describe, expect, it } from 'vitest';
import { channel } from '../../../../../test/engine/sessionKit.ts';
import { dispatchCommitted, type Received } from './events.ts';

describe('dispatchCommitted', () => {
  it('hands each committed event to the handler of its type, in order, and nothing for "none"', () => {
    const seen: string[] = [];
    const values: Received[] = [
      { type: 'channel', state: channel('aa'), rotate: false },
      { type: 'none' },
      { type: 'message', channelId: 'aa', disk: true, message: { id: 'm', channelId: 'aa', sender: 'bob.1', sentAt: 1, receivedAt: 1, expiresAt: null, text: 'x' } },
      { type: 'delivery', channelId: 'aa', device: { userId: 'bob', deviceId: 1 }, messageIds: ['m'], state: 'read' },
      { type: 'receipt', channelId: 'aa', device: { userId: 'bob', deviceId: 1 }, at: 3 },
    ];
    dispatchCommitted(values, {
      message: (v) => seen.push(`message ${v.message.id}`),
      delivery: (v) => seen.push(`delivery ${v.state}`),
      channel: (v) => seen.push(`channel ${v.state.epoch}`),
      receipt: (v) => seen.push(`receipt ${v.at}`),
    });
    expect(seen).toEqual(['channel 0', 'message m', 'delivery read', 'receipt 3']);
  });
});
