import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../../storage/index.ts';
import { channel, sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import { ChannelBook } from './ChannelBook.ts';
import { Retention } from './Retention.ts';

let kit: Kit;
afterEach(() => kit.close());

async function rig() {
  kit = await sessionKit();
  const book = new ChannelBook({ set: () => undefined });
  const otr = new MemoryMessageStore();
  const ended: string[] = [];
  const retention = new Retention(kit.c, { book, otr, ended: (id) => ended.push(id), sweepEveryMs: 1000 });
  return { book, otr, ended, retention };
}

describe('Retention', () => {
  it('deletes an off-the-record message exactly at its expiry and tells the UI once', async () => {
    const { book, otr, retention } = await rig();
    const t0 = kit.clock.now();
    book.set('aa', { state: channel('aa', { policy: { recording: 'off-the-record', messageLifetimeMs: 5000 } }), pausedReason: null });
    otr.insert({ id: 'm1', channelId: 'aa', sender: 'bob.1', sentAt: t0, expiresAt: t0 + 5000, text: 'gone soon' });
    retention.start();
    retention.track('m1', 'aa', t0 + 5000);
    kit.clock.advance(4999);
    expect(otr.get('m1')).not.toBeNull();
    expect(kit.events.filter((e) => e.type === 'messageDeleted')).toEqual([]);
    kit.clock.advance(1);
    expect(otr.get('m1')).toBeNull();
    kit.clock.advance(10_000);
    expect(kit.events.filter((e) => e.type === 'messageDeleted')).toEqual([{ type: 'messageDeleted', channelId: 'aa', messageIds: ['m1'] }]);
    retention.stop();
  });

  it('ends a channel when its end date passes, not before', async () => {
    const { book, ended, retention } = await rig();
    const end = kit.clock.now() + 60_000;
    book.set('aa', { state: channel('aa', { policy: { endsAtMs: end } }), pausedReason: null });
    retention.start();
    kit.clock.advance(59_999);
    expect(ended).toEqual([]);
    kit.clock.advance(1);
    expect(ended).toEqual(['aa']);
    retention.stop();
  });

  it('forgets the deadlines of a wiped channel', async () => {
    const { retention } = await rig();
    retention.track('m1', 'aa', kit.clock.now() + 10);
    retention.forgetChannel('aa');
    expect(retention.sweep(kit.clock.now() + 20)).toBeNull();
    expect(kit.events).toEqual([]);
  });
});
