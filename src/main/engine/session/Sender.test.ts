import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChannelCipher, DeviceRef } from '../../../crypto/index.ts';
import { MemoryMessageStore } from '../../../storage/index.ts';
import { channel, fakeRelay, sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import type { ChannelPolicy } from '../../../shared/model/policy.ts';
import type { DeliveryBook } from '../DeliveryBook.ts';
import type { Peers } from '../Peers.ts';
import { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import { Sender } from './Sender.ts';

let kit: Kit;
afterEach(() => kit.close());

const CHANNEL = 'cc'.repeat(16);

async function rig(o: { policy?: Partial<ChannelPolicy>; status?: 'active' | 'paused' | 'wiped'; pausedReason?: string | null; offline?: boolean } = {}) {
  kit = await sessionKit('alice', 1);
  const book = new ChannelBook({ set: () => undefined });
  book.set(CHANNEL, { state: channel(CHANNEL, { policy: o.policy, status: o.status }), pausedReason: o.pausedReason ?? null });
  const relay = fakeRelay({ send: {} });
  const log: string[] = [];
  const otr = new MemoryMessageStore();
  const peers = {
    devicesOf: (userId: string): DeviceRef[] => (userId === 'bob' ? [{ userId: 'bob', deviceId: 2 }] : []),
    send: (_r: unknown, dv: DeviceRef, _c: unknown, content: { body: { case: string } }) => (log.push(`${content.body.case} to ${dv.userId}.${dv.deviceId}`), Promise.resolve()),
  } as unknown as Peers;
  const channelCipher = {
    distribution: () => Promise.resolve({ distributionId: new Uint8Array(16).fill(4) }),
    encrypt: (_c: unknown, epoch: number) => (log.push(`encrypt under epoch ${epoch}`), Promise.resolve(new Uint8Array([1, 2, 3]))),
  } as unknown as ChannelCipher;
  const directory = { looking: Promise.resolve(), freshForSend: () => Promise.resolve() } as unknown as Directory;
  const deliveries = {
    own: (id: string) => void log.push(`own ${id}`),
    sent: (_id: string, devices: { userId: string; deviceId: string }[]) => void log.push(`sent to ${devices.map((d) => `${d.userId}.${d.deviceId}`).join(',')}`),
    failed: () => void log.push('failed'),
    unreachable: (_id: string, devices: { userId: string }[]) => void log.push(`unreachable ${devices.map((d) => d.userId).join(',')}`),
  } as unknown as DeliveryBook;
  const expiring: [string, number][] = [];
  const sender = new Sender(kit.c, {
    book,
    directory,
    peers,
    channelCipher,
    deliveries,
    otr,
    relay: () => (o.offline ? null : relay),
    updated: () => undefined,
    expires: (id, _c, at) => void expiring.push([id, at - kit.clock.now()]),
  });
  const stored = () => kit.c.store.repos.outbox.count();
  return { sender, relay, log, otr, expiring, stored };
}

describe('Sender', () => {
  it('refuses a paused channel with its reason, storing and sending nothing', async () => {
    const { sender, relay, otr, stored } = await rig({ status: 'paused', pausedReason: 'wait for counsel' });
    let err: unknown;
    try {
      sender.send({ channelId: CHANNEL, text: 'we accept' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CHANNEL_PAUSED', message: expect.stringContaining('wait for counsel') });
    sender.setConnected(true);
    await sender.idle;
    expect(stored()).toBe(0);
    expect(otr.latest(CHANNEL, 10)).toEqual([]);
    expect(relay.requests).toEqual([]);
  });

  it('refuses a wiped channel (no longer known), and one whose end date has passed', async () => {
    const wiped = await rig({ status: 'wiped' });
    expect(() => wiped.sender.send({ channelId: CHANNEL, text: 'x' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    kit.close();
    const ended = await rig({ policy: { endsAtMs: 1 } });
    expect(() => ended.sender.send({ channelId: CHANNEL, text: 'x' })).toThrow(expect.objectContaining({ code: 'CHANNEL_WIPED' }));
    expect(ended.stored()).toBe(0);
  });

  it('refuses attachments where the policy forbids them', async () => {
    const { sender, stored } = await rig();
    expect(() => sender.send({ channelId: CHANNEL, text: 'see file', attachments: [{}] } as never)).toThrow(expect.objectContaining({ code: 'POLICY_REFUSED' }));
    expect(stored()).toBe(0);
  });

  it('keeps an off-the-record message in memory only: nothing written to the profile', async () => {
    const { sender, otr, stored, log } = await rig({ policy: { recording: 'off-the-record' } });
    const m = sender.send({ channelId: CHANNEL, text: 'between us' });
    expect(otr.get(m.id)?.text).toBe('between us');
    expect(kit.c.store.repos.messages.get(m.id)).toBeNull();
    expect(stored()).toBe(0);
    expect(sender.otrOutbox.pending(10).map((e) => e.messageId)).toEqual([m.id]);
    expect(log).toEqual([`own ${m.id}`]);
  });

  it('stores a recorded message with its outbox row, then when connected gives bob the sender key and sends', async () => {
    const { sender, relay, log, stored } = await rig();
    const m = sender.send({ channelId: CHANNEL, text: 'our offer' });
    expect(kit.c.store.repos.messages.get(m.id)?.text).toBe('our offer');
    expect(stored()).toBe(1);
    sender.setConnected(true);
    // The outbox drains on connecting; wait for the send to be recorded.
    await vi.waitFor(() => expect(log).toContain('sent to bob.2'), { timeout: 1000 });
    expect(log).toEqual([`own ${m.id}`, 'senderKeyDistribution to bob.2', 'encrypt under epoch 0', 'sent to bob.2']);
    expect(relay.requests.map((r) => r.case)).toEqual(['send']);
    expect(stored()).toBe(0);
  });

  it('the sender key goes to a device once per epoch', async () => {
    const { sender, log } = await rig();
    sender.setConnected(true);
    sender.send({ channelId: CHANNEL, text: 'one' });
    await sender.idle;
    sender.send({ channelId: CHANNEL, text: 'two' });
    await sender.idle;
    expect(log.filter((l) => l.startsWith('senderKey'))).toEqual(['senderKeyDistribution to bob.2']);
    expect(log.filter((l) => l.startsWith('sent'))).toEqual(['sent to bob.2', 'sent to bob.2']);
  });

  it('a message with a lifetime tracks its expiry', async () => {
    const { sender, expiring } = await rig({ policy: { messageLifetimeMs: 60_000 } });
    const m = sender.send({ channelId: CHANNEL, text: 'brief' });
    expect(m.expiresAt).toBe(kit.clock.now() + 60_000);
    expect(expiring).toEqual([[m.id, 60_000]]);
  });
});
