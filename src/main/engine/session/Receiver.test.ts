import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChannelCipher } from '../../../crypto/index.ts';
import { SignatureError } from '../../../crypto/errors.ts';
import { channel, fakeRelay, sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import { hex } from '../views.ts';
import { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import { Receiver, type ReceiveHandlers } from './Receiver.ts';

let kit: Kit;
let receiver: Receiver;
let dir: string;
afterEach(async () => {
  await receiver.close();
  kit.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const CHANNEL = 'dd'.repeat(16);
const id = (n: number) => n.toString(16).padStart(32, '0');

async function rig(o: { control?: (payload: Uint8Array) => Promise<void> } = {}) {
  kit = await sessionKit('bob', 2);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-wal-'));
  const walFile = path.join(dir, 'wal');
  fs.writeFileSync(walFile, '');
  const relay = fakeRelay();
  const log: string[] = [];
  const acked = () => relay.acked.map(hex);
  const handlers = {
    channelChange: {
      open: (payload: Uint8Array) => (log.push(`open change ${payload[0]}`), Promise.resolve({ type: 'channel', state: channel(CHANNEL, { epoch: payload[0] }), rotate: false })),
      committed: (v: { state: { epoch: number } }) => void log.push(`committed change ${v.state.epoch} (stored: ${kit.c.store.repos.channels.get(CHANNEL)?.epoch})`),
    },
    wipeCommand: { handle: (p: Uint8Array) => (log.push(`wipe ${p[0]}`), o.control ? o.control(p) : Promise.resolve()) },
    revocation: { handle: (p: Uint8Array) => (log.push(`revocation ${p[0]}`), Promise.resolve()) },
  } as unknown as ReceiveHandlers;
  let redeliveries = 0;
  receiver = new Receiver(kit.c, {
    book: new ChannelBook({ set: () => undefined }),
    directory: {} as Directory,
    channelCipher: {} as ChannelCipher,
    handlers,
    walFile,
    authenticated: () => relay,
    healthy: () => undefined,
    redeliverLater: () => void redeliveries++,
    seen: () => undefined,
    afterCommit: () => void log.push('after commit'),
  });
  return { log, acked, redeliveries: () => redeliveries };
}

describe('Receiver', () => {
  it('stores a channel change, hands it on once committed, and acknowledges it', async () => {
    const { log, acked } = await rig();
    receiver.push({ id: id(1), kind: 'channelChange', payload: new Uint8Array([3]) });
    await receiver.settled();
    expect(log).toEqual(['open change 3', 'committed change 3 (stored: 3)', 'after commit']);
    expect(acked()).toEqual([id(1)]);
    expect(kit.c.store.repos.channels.get(CHANNEL)?.epoch).toBe(3);
  });

  it('a redelivered item already stored is acknowledged without being opened again', async () => {
    const { log, acked } = await rig();
    receiver.push({ id: id(1), kind: 'channelChange', payload: new Uint8Array([3]) });
    await receiver.settled();
    receiver.push({ id: id(1), kind: 'channelChange', payload: new Uint8Array([4]) });
    await receiver.settled();
    expect(log.filter((l) => l.startsWith('open'))).toEqual(['open change 3']);
    expect(kit.c.store.repos.channels.get(CHANNEL)?.epoch).toBe(3);
    await vi.waitFor(() => expect(acked()).toContain(id(1)), { timeout: 1000 });
  });

  it('a wipe waits for everything queued before it, and is acknowledged once applied', async () => {
    const { log, acked } = await rig();
    receiver.push({ id: id(1), kind: 'channelChange', payload: new Uint8Array([3]) });
    receiver.push({ id: id(2), kind: 'wipe', payload: new Uint8Array([9]) });
    receiver.push({ id: id(3), kind: 'revocation', payload: new Uint8Array([8]) });
    await receiver.settled();
    expect(log).toEqual(['open change 3', 'committed change 3 (stored: 3)', 'after commit', 'wipe 9', 'revocation 8']);
    expect(acked()).toEqual([id(1), id(2), id(3)]);
  });

  it('a forged wipe is dropped for good: acknowledged and noted in the audit trail, without content', async () => {
    const { acked, redeliveries } = await rig({ control: () => Promise.reject(new SignatureError('wipe command')) });
    receiver.push({ id: id(2), kind: 'wipe', payload: new Uint8Array([9]) });
    await receiver.settled();
    expect(acked()).toEqual([id(2)]);
    expect(redeliveries()).toBe(0);
    expect(kit.c.store.repos.audit.recent(5)).toEqual([expect.objectContaining({ actor: 'relay', action: 'delivery-dropped', subject: `wipe ${id(2)}` })]);
  });

  it('a wipe that failed for another reason is not acknowledged: the relay delivers it again', async () => {
    const { acked, redeliveries } = await rig({ control: () => Promise.reject(new Error('disk full')) });
    receiver.push({ id: id(2), kind: 'wipe', payload: new Uint8Array([9]) });
    await receiver.settled();
    expect(acked()).toEqual([]);
    expect(redeliveries()).toBe(1);
  });
});
