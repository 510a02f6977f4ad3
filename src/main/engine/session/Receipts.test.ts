import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceRef } from '../../../crypto/index.ts';
import { fakeRelay, sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import { hex } from '../views.ts';
import { RelayRefused, RelayUnavailable } from '../../../relay/errors.ts';
import { Receipts } from './Receipts.ts';
import { RECEIPT_IDS_MAX } from '../ReceiptQueue.ts';

let kit: Kit;
afterEach(() => kit.close());

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

type SendResult = 'ok' | 'offline' | 'refused';

async function rig(o: { online?: boolean; otr?: boolean } = {}) {
  kit = await sessionKit();
  const relay = fakeRelay();
  const sent: { to: DeviceRef; kind: string; ids: string[] }[] = [];
  const reported: string[] = [];
  const updated: string[] = [];
  const state = { closed: false, online: o.online !== false, result: 'ok' as SendResult };
  let queue = Promise.resolve();
  const receipts = new Receipts(kit.c, {
    peers: {
      send: (_r, to, _c, content) => {
        if (state.result === 'offline') return Promise.reject(new RelayUnavailable('connection closed'));
        if (state.result === 'refused') return Promise.reject(new RelayRefused('NOT_A_MEMBER', 'not a member'));
        const body = content!.body as { case: 'data'; value: { kind: { case: string; value: { messageIds: Uint8Array[] } } } };
        sent.push({ to, kind: body.value.kind.case, ids: body.value.kind.value.messageIds.map(hex) });
        return Promise.resolve();
      },
    },
    deliveries: { report: (id, _c, device, st) => (reported.push(`${id}:${device.userId}:${st}`), id !== 'dup') },
    relay: () => (state.online ? relay : null),
    owed: () => (state.closed ? null : kit.c.store.repos.pendingReceipts),
    onDisk: () => o.otr !== true,
    afterReceived: (task) => void (queue = queue.then(task)),
    updated: (_c, id) => void updated.push(id),
    closed: () => state.closed,
    delayMs: 10,
    retryMs: 10,
  });
  return { receipts, sent, reported, updated, state };
}

describe('Receipts', () => {
  it('gathers "delivered" receipts for a moment and sends one per sender device', async () => {
    const { receipts, sent } = await rig();
    receipts.add('aa', 'bob.2', '01', 'delivered');
    receipts.add('aa', 'bob.2', '02', 'delivered');
    receipts.add('aa', 'carol.1', '03', 'delivered');
    receipts.flush();
    receipts.flush();
    expect(sent).toEqual([]);
    await wait(50);
    expect(sent).toEqual([
      { to: { userId: 'bob', deviceId: 2 }, kind: 'deliveryReceipt', ids: ['01', '02'] },
      { to: { userId: 'carol', deviceId: 1 }, kind: 'deliveryReceipt', ids: ['03'] },
    ]);
  });

  it('keeps receipts on disk while offline and sends them once connected, then owes nothing', async () => {
    const { receipts, sent, state } = await rig({ online: false });
    receipts.add('aa', 'bob.2', '01', 'read');
    receipts.add('aa', 'bob.2', '02', 'delivered');
    receipts.flush();
    await wait(50);
    expect(sent).toEqual([]);
    expect(kit.c.store.repos.pendingReceipts.size).toBe(2);
    state.online = true;
    receipts.flush();
    await wait(50);
    expect(sent).toEqual([
      { to: { userId: 'bob', deviceId: 2 }, kind: 'deliveryReceipt', ids: ['02'] },
      { to: { userId: 'bob', deviceId: 2 }, kind: 'readReceipt', ids: ['01'] },
    ]);
    expect(kit.c.store.repos.pendingReceipts.size).toBe(0);
  });

  it('tries again while the relay connection drops, and drops a receipt the relay refuses for good', async () => {
    const { receipts, sent, state } = await rig();
    state.result = 'offline';
    receipts.add('aa', 'bob.2', '01', 'delivered');
    receipts.flush();
    await wait(40);
    expect(kit.c.store.repos.pendingReceipts.size).toBe(1);
    state.result = 'ok';
    await wait(60);
    expect(sent).toEqual([{ to: { userId: 'bob', deviceId: 2 }, kind: 'deliveryReceipt', ids: ['01'] }]);
    expect(kit.c.store.repos.pendingReceipts.size).toBe(0);

    state.result = 'refused';
    receipts.add('aa', 'carol.1', '02', 'delivered');
    receipts.flush();
    await wait(60);
    expect(kit.c.store.repos.pendingReceipts.size).toBe(0);
    expect(sent).toHaveLength(1);
  });

  it('keeps receipts of off-the-record channels in memory only, and still sends them after an outage', async () => {
    const { receipts, sent, state } = await rig({ otr: true, online: false });
    receipts.add('aa', 'bob.2', '01', 'delivered');
    receipts.flush();
    await wait(40);
    expect(kit.c.store.repos.pendingReceipts.size).toBe(0);
    state.online = true;
    receipts.flush();
    await wait(40);
    expect(sent).toEqual([{ to: { userId: 'bob', deviceId: 2 }, kind: 'deliveryReceipt', ids: ['01'] }]);
  });

  it('coalesces a long catch-up from disk into receipts of at most RECEIPT_IDS_MAX ids', async () => {
    const { receipts, sent } = await rig();
    for (let i = 0; i < RECEIPT_IDS_MAX + 3; i++) receipts.add('aa', 'bob.2', i.toString(16).padStart(4, '0'), 'delivered');
    receipts.flush();
    await wait(200);
    expect(sent.map((s) => s.ids.length)).toEqual([RECEIPT_IDS_MAX, 3]);
  });

  it('applies a reported receipt to every message it names and shows only the ones that changed', async () => {
    const { receipts, reported, updated } = await rig();
    receipts.apply('aa', { userId: 'bob', deviceId: 2 }, ['m1', 'dup', 'm2'], 'read');
    await wait(20);
    expect(reported).toEqual(['m1:bob:read', 'dup:bob:read', 'm2:bob:read']);
    expect(updated).toEqual(['m1', 'm2']);
  });
});
