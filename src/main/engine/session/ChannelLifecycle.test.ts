import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../../storage/index.ts';
import { channel, sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import { ChannelBook } from './ChannelBook.ts';
import { ChannelLifecycle } from './ChannelLifecycle.ts';

let kit: Kit;
afterEach(() => kit.close());

async function rig() {
  kit = await sessionKit('alice', 1);
  const book = new ChannelBook({ set: () => undefined });
  const otr = new MemoryMessageStore();
  const calls: string[] = [];
  const lifecycle = new ChannelLifecycle(kit.c, {
    book,
    otr,
    otrOutbox: { removeChannel: (id) => (calls.push(`outbox ${id}`), 0) },
    deliveries: { forgetChannel: (id) => void calls.push(`deliveries ${id}`) },
    retention: { schedule: () => void calls.push('schedule'), forgetChannel: (id) => void calls.push(`retention ${id}`) },
    keysGone: () => void calls.push('keys gone'),
    summary: (id) => ({ id }) as never,
  });
  return { book, otr, calls, lifecycle };
}

describe('ChannelLifecycle', () => {
  it('makes a state current and tells the UI; a lifetime policy schedules retention', async () => {
    const { book, calls, lifecycle } = await rig();
    lifecycle.saveAndAccept(channel('aa', { policy: { messageLifetimeMs: 1000 } }));
    expect(book.get('aa')?.state.epoch).toBe(0);
    expect(kit.c.store.repos.channels.get('aa')?.epoch).toBe(0);
    expect(calls).toEqual(['schedule']);
    expect(kit.events).toEqual([{ type: 'channelChanged', channel: { id: 'aa' } }]);
  });

  it('shreds the channel here when a new state no longer has me as a member', async () => {
    const { book, otr, calls, lifecycle } = await rig();
    lifecycle.saveAndAccept(channel('aa'));
    otr.insert({ id: 'm1', channelId: 'aa', sender: 'bob.1', sentAt: 1, expiresAt: null, text: 'still here?' });
    lifecycle.accept(channel('aa', { epoch: 1, members: ['bob', 'carol'] }));
    expect(book.isWiped('aa')).toBe(true);
    expect(otr.get('m1')).toBeNull();
    expect(kit.c.store.repos.channels.get('aa')?.status).toBe('wiped');
    expect(calls).toEqual(['keys gone', 'outbox aa', 'deliveries aa', 'retention aa']);
    expect(kit.events.at(-1)).toEqual({ type: 'channelRemoved', channelId: 'aa', reason: 'removed' });
  });
});
