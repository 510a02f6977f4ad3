import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type RelayLimits } from '../RelayLimits.ts';
import type { DeviceAddress, QueueItem, QueuedItem } from '../store/RelayStore.ts';
import { SqliteRelayStore } from '../store/SqliteRelayStore.ts';
import type { RelayTrust } from '../trust/RelayTrust.ts';
import { FanOut, type DeviceSink } from './FanOut.ts';
import type { RelayContext } from './RelayContext.ts';

const NOW = 1_700_000_000_000;
const alice: DeviceAddress = { userId: 'alice', deviceId: 1 };
const bob: DeviceAddress = { userId: 'bob', deviceId: 1 };
const channelId = new Uint8Array(16).fill(7);
let stores: SqliteRelayStore[] = [];

function setup(limits: Partial<RelayLimits> = {}): { fanOut: FanOut; store: SqliteRelayStore; clock: { now: number } } {
  const store = new SqliteRelayStore(':memory:');
  stores.push(store);
  const clock = { now: NOW };
  const ctx: RelayContext = {
    store, trust: {} as RelayTrust, limits: { ...DEFAULT_LIMITS, ...limits }, log: pino({ level: 'silent' }),
    now: () => clock.now, audit: async () => {}, refused: async () => {},
  };
  return { fanOut: new FanOut(ctx), store, clock };
}

let n = 0;
const envelope = (sender: string): QueueItem => ({
  id: new Uint8Array([1, n >> 8, n++ & 255, 9]), kind: 'envelope', channelId, payload: new Uint8Array([n & 255]),
  expiresMs: NOW + 60_000, sender,
});
const control = (kind: 'wipe' | 'channel-change' | 'revocation'): QueueItem => ({
  id: new Uint8Array([2, n >> 8, n++ & 255]), kind, channelId, payload: new Uint8Array([n & 255]), expiresMs: NOW + 60_000,
});

function sink(device: DeviceAddress): DeviceSink & { woken: QueuedItem[] } {
  const woken: QueuedItem[] = [];
  return { device, woken, wake: (items) => woken.push(...items), pushPrekeysLow: () => {}, cut: () => {}, resume: () => {} };
}

afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

describe('FanOut.place', () => {
  it('keeps room for control items in a queue full of envelopes, and reports devices full even for those', async () => {
    const { fanOut, store } = setup({ maxQueueDepth: 3, maxQueuePerSender: 3, queueControlReserve: 2 });
    for (let i = 0; i < 3; i++) expect((await fanOut.place([bob], envelope('alice:1'))).placed).toBe(1);
    const refused = await fanOut.place([bob], envelope('alice:1'));
    expect(refused).toMatchObject({ placed: 0, full: [bob] });
    expect((await fanOut.place([bob], control('wipe'))).placed).toBe(1);
    expect((await fanOut.place([bob], control('channel-change'))).placed).toBe(1);
    const over = await fanOut.place([bob, alice], control('revocation'));
    expect(over).toMatchObject({ placed: 1, full: [bob] });
    expect(await store.queueDepth(bob)).toBe(5);
    expect(() => FanOut.requireDelivered('wipe', over)).toThrow(expect.objectContaining({ code: 'QUEUE_FULL' }) as Error);
    expect(() => FanOut.requireDelivered('wipe', over)).toThrow(/recorded and queued for 1 device\(s\).*queue of 1 device\(s\) is full/);
    expect(() => FanOut.requireDelivered('wipe', { placed: 2, full: [], duplicate: false })).not.toThrow();
  });

  it('gives one sender only its share of a queue: a flooder cannot crowd out another sender', async () => {
    const { fanOut, store } = setup({ maxQueueDepth: 4, maxQueuePerSender: 2, queueControlReserve: 0 });
    expect((await fanOut.place([bob], envelope('mallory:1'))).placed).toBe(1);
    expect((await fanOut.place([bob], envelope('mallory:1'))).placed).toBe(1);
    expect(await fanOut.place([bob], envelope('mallory:1'))).toMatchObject({ placed: 0, full: [bob] });
    // Another device of the same user is another sender.
    expect((await fanOut.place([bob], envelope('mallory:2'))).placed).toBe(1);
    expect((await fanOut.place([bob], envelope('alice:1'))).placed).toBe(1);
    expect(await fanOut.place([bob], envelope('alice:1'))).toMatchObject({ placed: 0, full: [bob] });
    expect(await store.queueDepth(bob)).toBe(4);
  });

  it('pushes a placed item only to the newest connection of each recipient, stamped with the relay time', async () => {
    const { fanOut, clock } = setup();
    const old = sink(bob);
    const fresh = sink(bob);
    const other = sink(alice);
    fanOut.attach(old);
    fanOut.attach(fresh);
    fanOut.attach(other);
    clock.now = NOW + 5_000;
    const item = envelope('carol:1');
    expect((await fanOut.place([bob], item)).placed).toBe(1);
    expect(old.woken).toEqual([]);
    expect(other.woken).toEqual([]);
    expect(fresh.woken).toHaveLength(1);
    expect(fresh.woken[0]!.payload).toEqual(item.payload);
    expect(fresh.woken[0]!.receivedMs).toBe(NOW + 5_000);
    fanOut.detach(fresh);
    expect(fanOut.isPrimary(old)).toBe(true);
  });

  it('places a retried item id nothing the second time', async () => {
    const { fanOut, store } = setup();
    const item = envelope('alice:1');
    expect(await fanOut.place([bob], item)).toMatchObject({ placed: 1, duplicate: false });
    expect(await fanOut.place([bob], item)).toMatchObject({ placed: 0, duplicate: true });
    expect(await store.queueDepth(bob)).toBe(1);
  });

  it('refuses a connection beyond the limit per device', () => {
    const { fanOut } = setup({ connectionsPerDevice: 2 });
    fanOut.attach(sink(bob));
    fanOut.attach(sink(bob));
    expect(() => fanOut.attach(sink(bob))).toThrow(expect.objectContaining({ code: 'TOO_MANY_CONNECTIONS' }) as Error);
    fanOut.attach(sink(alice));
    expect(fanOut.connectedDevices()).toBe(2);
  });
});
