import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { readServerFrame } from '../relay/wire.ts';
import { DeliveryPump, type PumpOutlet } from './DeliveryPump.ts';
import { DEFAULT_LIMITS, Relay, type RelayLimits } from './Relay.ts';
import type { DeviceAddress } from './store/RelayStore.ts';
import { SqliteRelayStore } from './store/SqliteRelayStore.ts';
import type { RelayTrust } from './trust/RelayTrust.ts';

const bob: DeviceAddress = { userId: 'bob', deviceId: 1 };
const channelId = new Uint8Array(16).fill(3);
let store: SqliteRelayStore;

afterEach(async () => {
  await store.close();
});

interface Outlet extends PumpOutlet {
  /** Payload bytes (first byte) of each delivery, in the order sent. */
  sent: number[];
  ids: Uint8Array[];
  backlogs: number;
  open: boolean;
}

function setup(limits: Partial<RelayLimits> = {}): { relay: Relay; pump: DeliveryPump; out: Outlet } {
  store = new SqliteRelayStore(':memory:');
  // The pump reads the queue by the wall clock, so items expire well after it.
  const relay = new Relay(store, {} as RelayTrust, { ...DEFAULT_LIMITS, ...limits }, pino({ level: 'silent' }));
  const out: Outlet = {
    device: bob, sent: [], ids: [], backlogs: 0, open: true,
    mayDeliver() { return this.open; },
    sendBytes(frame) {
      const f = readServerFrame(frame);
      if (f?.case !== 'delivery') throw new Error('not a delivery push');
      this.sent.push(f.payload[0]!);
      this.ids.push(f.id);
    },
    backlogDone() { this.backlogs++; },
  };
  return { relay, pump: new DeliveryPump(relay, out), out };
}

/** Lets a pump started in the background (by an ack or a wake) finish its round. */
const settle = () => new Promise<void>((r) => setImmediate(r));

async function place(relay: Relay, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await relay.fanOut.place([bob], {
      id: new Uint8Array([9, i]), kind: 'envelope', channelId, payload: new Uint8Array([i]), expiresMs: Date.now() + 3_600_000, sender: 'alice:1',
    });
  }
}

describe('DeliveryPump', () => {
  it('keeps at most a window of unacknowledged items in flight, in queue order, and moves on as they are acked', async () => {
    const { relay, pump, out } = setup({ deliveryWindow: 3 });
    await place(relay, 5);
    await pump.pump();
    expect(out.sent).toEqual([0, 1, 2]);
    expect(out.backlogs).toBe(0);
    await pump.ack([out.ids[0]!]);
    await pump.pump();
    await settle();
    expect(out.sent).toEqual([0, 1, 2, 3]);
    await pump.ack(out.ids.slice(1));
    await pump.pump();
    await settle();
    expect(out.sent).toEqual([0, 1, 2, 3, 4]);
    expect(out.backlogs).toBe(1);
  });

  it('deletes only acknowledged items it delivered: unknown ids delete nothing, unacked ones come again after a restart', async () => {
    const { relay, pump, out } = setup();
    await place(relay, 3);
    await pump.pump();
    expect(out.sent).toEqual([0, 1, 2]);
    await pump.ack([new Uint8Array([9, 7]), new Uint8Array(16)]);
    expect(await store.queueDepth(bob)).toBe(3);
    await pump.ack([out.ids[1]!]);
    expect(await store.queueDepth(bob)).toBe(2);
    out.sent = [];
    pump.restart();
    await pump.pump();
    expect(out.sent).toEqual([0, 2]);
  });

  it('pushes newly placed items at once after the backlog, and nothing while the connection may not deliver', async () => {
    const { relay, pump, out } = setup();
    const sink = { device: bob, wake: (items: Parameters<DeliveryPump['wake']>[0]) => pump.wake(items), pushPrekeysLow: () => {}, cut: () => {}, resume: () => {} };
    relay.fanOut.attach(sink);
    await place(relay, 2);
    await pump.pump();
    expect(out.sent).toEqual([0, 1]);
    expect(out.backlogs).toBe(1);
    await place(relay, 1, 2);
    await settle();
    expect(out.sent).toEqual([0, 1, 2]);

    out.open = false;
    const idle = new DeliveryPump(relay, out);
    out.sent = [];
    await idle.pump();
    expect(out.sent).toEqual([]);
  });
});
