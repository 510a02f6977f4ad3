import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceRef } from '../../../crypto/index.ts';
import { fakeRelay, sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import { hex } from '../views.ts';
import { Receipts } from './Receipts.ts';

let kit: Kit;
afterEach(() => kit.close());

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rig(o: { online?: boolean } = {}) {
  kit = await sessionKit();
  const relay = fakeRelay();
  const sent: { to: DeviceRef; kind: string; ids: string[] }[] = [];
  const reported: string[] = [];
  const updated: string[] = [];
  let closed = false;
  let queue = Promise.resolve();
  const receipts = new Receipts(kit.c, {
    peers: {
      send: (_r, to, _c, content) => {
        const body = content!.body as { case: 'data'; value: { kind: { case: string; value: { messageIds: Uint8Array[] } } } };
        sent.push({ to, kind: body.value.kind.case, ids: body.value.kind.value.messageIds.map(hex) });
        return Promise.resolve();
      },
    },
    deliveries: { report: (id, _c, device, state) => (reported.push(`${id}:${device.userId}:${state}`), id !== 'dup') },
    relay: () => (o.online === false ? null : relay),
    afterReceived: (task) => void (queue = queue.then(task)),
    updated: (_c, id) => void updated.push(id),
    closed: () => closed,
    delayMs: 10,
  });
  return { receipts, sent, reported, updated, close: () => (closed = true) };
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

  it('sends nothing while offline', async () => {
    const { receipts, sent } = await rig({ online: false });
    receipts.add('aa', 'bob.2', '01', 'read');
    receipts.flush();
    await wait(50);
    expect(sent).toEqual([]);
  });

  it('applies a reported receipt to every message it names and shows only the ones that changed', async () => {
    const { receipts, reported, updated } = await rig();
    receipts.apply('aa', { userId: 'bob', deviceId: 2 }, ['m1', 'dup', 'm2'], 'read');
    await wait(20);
    expect(reported).toEqual(['m1:bob:read', 'dup:bob:read', 'm2:bob:read']);
    expect(updated).toEqual(['m1', 'm2']);
  });
});
