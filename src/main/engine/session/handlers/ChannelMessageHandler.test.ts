import { afterEach, describe, expect, it } from 'vitest';
import { encodeContent, type DecodedEnvelope } from '../../../../crypto/index.ts';
import type { StoredMessage, UnitOfWork } from '../../../../storage/index.ts';
import { channel, sessionKit, type Kit } from '../../../../../test/engine/sessionKit.ts';
import { unhex } from '../../views.ts';
import { ChannelBook } from '../ChannelBook.ts';
import { ChannelMessageHandler } from './ChannelMessageHandler.ts';

let kit: Kit;
afterEach(() => kit.close());

const CHANNEL = 'aa'.repeat(16);
const MESSAGE = '01'.repeat(16);
const text = (body: string, sentAt: number) =>
  encodeContent({ body: { case: 'data', value: { messageId: unhex(MESSAGE), channelId: unhex(CHANNEL), sentAtMs: BigInt(sentAt), kind: { case: 'text', value: { body } } } } });

async function rig(o: { worker?: Uint8Array; refuse?: boolean; policy?: Parameters<typeof channel>[1] } = {}) {
  kit = await sessionKit('bob', 2);
  const book = new ChannelBook({ set: () => undefined });
  book.set(CHANNEL, { state: channel(CHANNEL, o.policy ?? {}), pausedReason: null });
  const log: string[] = [];
  const kept: StoredMessage[] = [];
  const saved: string[] = [];
  const uow = { protocol: { senderKey: { saveRecordBytes: (_a: unknown, d: string) => void saved.push(d) } } } as unknown as UnitOfWork;
  const h = new ChannelMessageHandler(kit.c, {
    book,
    ahead: {
      take: () => (o.worker ? Promise.resolve({ plaintext: o.worker, distributionId: 'dist', record: new Uint8Array(0) }) : undefined),
      openedHere: () => void log.push('here'),
    },
    channelCipher: {
      checkFromMember: () => {
        if (o.refuse) throw new Error('not from a member');
      },
      address: () => ({}) as never,
    },
    cipherFor: () => ({ decryptFromMember: () => (log.push('decrypt'), Promise.resolve(text('opened here', kit.clock.now()))) }),
    keepInMemory: (m) => void kept.push(m),
    expires: (id, _c, at) => void log.push(`expires ${id} ${at - kit.clock.now()}`),
    view: (m) => ({ id: m.id }) as never,
    deliveredReceipt: (_c, sender, id) => void log.push(`receipt ${sender} ${id}`),
  });
  const env = { channelId: unhex(CHANNEL), sender: { userId: 'alice', deviceId: 1 }, type: 'sender-key', ciphertext: new Uint8Array([9]) } as unknown as DecodedEnvelope;
  return { h, uow, env, log, kept, saved, book };
}

describe('ChannelMessageHandler', () => {
  it('opens a message here when no worker answered, with its lifetime from the channel policy', async () => {
    const { h, uow, env, log } = await rig({ policy: { policy: { messageLifetimeMs: 60_000 } } });
    const v = await h.open(uow, 'd1', env, kit.clock.now());
    expect(v).toMatchObject({ type: 'message', channelId: CHANNEL, disk: true, message: { id: MESSAGE, sender: 'alice.1', text: 'opened here', expiresAt: kit.clock.now() + 60_000 } });
    expect(log).toEqual(['here', 'decrypt']);
  });

  it('takes the worker’s plaintext only after checking it came from a member, staging its record', async () => {
    const { h, uow, env, log, saved } = await rig({ worker: text('from the worker', 5) });
    const v = await h.open(uow, 'd1', env, kit.clock.now());
    expect(v?.message.text).toBe('from the worker');
    expect(saved).toEqual(['dist']);
    expect(log).toEqual([]);
  });

  it('refuses a worker answer from someone no longer a member and reopens here from then on', async () => {
    const { h, uow, env, log, saved } = await rig({ worker: text('from a removed member', 5), refuse: true });
    await expect(h.open(uow, 'd1', env, kit.clock.now())).rejects.toThrow('not from a member');
    expect(saved).toEqual([]);
    expect(log).toEqual(['here']);
  });

  it('drops a message for a wiped or unknown channel without decrypting it', async () => {
    const { h, uow, env, log, book } = await rig();
    book.markWiped(CHANNEL);
    expect(await h.open(uow, 'd1', env, kit.clock.now())).toBeNull();
    expect(log).toEqual([]);
  });

  it('once committed: off-the-record kept in memory only, shown, expiry tracked, "delivered" queued', async () => {
    const { h, log, kept } = await rig();
    const message = { id: 'm1', channelId: 'aa', sender: 'alice.1', sentAt: 1, receivedAt: 1, expiresAt: kit.clock.now() + 5, text: 'x' };
    h.committed({ type: 'message', channelId: 'aa', message, disk: false });
    expect(kept).toEqual([message]);
    expect(kit.events).toEqual([{ type: 'messageReceived', message: { id: 'm1' } }]);
    expect(log).toEqual(['expires m1 5', 'receipt alice.1 m1']);
  });
});
