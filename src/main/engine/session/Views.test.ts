import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../../storage/index.ts';
import type { ChannelPolicy } from '../../../shared/model/policy.ts';
import { channel, sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import { ChannelBook } from './ChannelBook.ts';
import { ReadMarks } from './ReadMarks.ts';
import { Views } from './Views.ts';

let kit: Kit;
afterEach(() => kit.close());

async function rig(policy: Partial<ChannelPolicy> = {}) {
  kit = await sessionKit('alice', 1);
  const book = new ChannelBook({ set: () => undefined });
  book.set('aa', { state: channel('aa', { members: ['alice', 'alice.b', 'bob'], policy }), pausedReason: null });
  const otr = new MemoryMessageStore();
  const receipts: [string, string, string, string][] = [];
  const expiring: [string, number][] = [];
  const expires = (id: string, _c: string, at: number) => void expiring.push([id, at]);
  let views: Views | null = null;
  const readMarks = new ReadMarks(kit.c, {
    book,
    otr,
    receipts: { add: (...r) => void receipts.push(r), flush: () => undefined },
    storeFor: (id) => views!.storeFor(id),
    expires,
    burnGraceMs: 1000,
  });
  views = new Views(kit.c, { book, otr, deliveries: { view: () => ({ delivery: 'sent', deliveries: [] }) }, readMarks, names: (u) => u.toUpperCase(), expires });
  const t = kit.clock.now();
  const add = (id: string, sender: string, dt: number) => kit.c.store.messages.insert({ id, channelId: 'aa', sender, sentAt: t + dt, expiresAt: null, text: id });
  add('m1', 'alice.b.1', 1);
  add('m2', 'bob.1', 2);
  add('m3', 'alice.2', 3);
  add('m4', 'alice.1', 4);
  return { views, readMarks, receipts, expiring };
}

describe('Views and ReadMarks', () => {
  it('counts the messages of user "alice.b" as unread for "alice": the user id is compared whole', async () => {
    const { views } = await rig();
    // m1 (alice.b) and m2 (bob) are unread; m3 (my other device) and m4 (this device) are mine.
    expect(views.summary('aa').unread).toBe(2);
    const shown = views.listMessages({ channelId: 'aa', limit: 10 }).messages;
    // Newest first; "mine" is this device's own.
    expect(shown.map((m) => [m.id, m.senderUserId, m.mine])).toEqual([
      ['m4', 'alice', true],
      ['m3', 'alice', false],
      ['m2', 'bob', false],
      ['m1', 'alice.b', false],
    ]);
  });

  it('burns the messages of user "alice.b" after alice reads them, but not her own', async () => {
    const { views, readMarks, expiring } = await rig({ burnAfterReading: true });
    readMarks.markRead({ channelId: 'aa', upToMessageId: 'm4' });
    expect(expiring.map(([id]) => id)).toEqual(['m1', 'm2']);
    expect(kit.c.store.messages.get('m1')!.expiresAt).toBe(kit.clock.now() + 1000);
    expect(kit.c.store.messages.get('m3')!.expiresAt).toBeNull();
    expect(views.summary('aa').unread).toBe(0);
  });

  it('sends "read" receipts once per message read, for others’ messages only, and keeps the mark across a restart', async () => {
    const { views, readMarks, receipts } = await rig();
    readMarks.markRead({ channelId: 'aa', upToMessageId: 'm2' });
    readMarks.markRead({ channelId: 'aa', upToMessageId: 'm4' });
    // Not for this device's own message (m4); my other device's (m3) is reported like anyone's.
    expect(receipts.map((r) => r[2])).toEqual(['m1', 'm2', 'm3']);
    expect(views.listMessages({ channelId: 'aa', limit: 10 }).messages.every((m) => m.readByMe)).toBe(true);
    expect(kit.c.store.repos.readMarks.all().get('aa')).toEqual({ sentAt: kit.clock.now() + 4, id: 'm4' });
  });

  it('pages back with a cursor and refuses a wiped channel', async () => {
    const { views } = await rig();
    const first = views.listMessages({ channelId: 'aa', limit: 2 });
    expect(first.messages.map((m) => m.id)).toEqual(['m4', 'm3']);
    const next = views.listMessages({ channelId: 'aa', limit: 2, before: first.nextCursor! });
    expect(next.messages.map((m) => m.id)).toEqual(['m2', 'm1']);
    expect(() => views.listMessages({ channelId: 'zz', limit: 2 })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
