import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RelayRefused } from '../../src/relay/errors.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { signAuthChallenge } from '../../src/crypto/index.ts';
import { envelope, Peer, send, TestOrg, type Device } from './fixtures.ts';

let org: TestOrg;
let alice: Device;
let bob: Device;

beforeEach(async () => {
  org = await new TestOrg().start({ limits: { maxQueueDepth: 5 } });
  await org.addUser('alice');
  await org.addUser('bob');
  alice = await org.enrol('alice');
  bob = await org.enrol('bob');
});
afterEach(async () => {
  await org.stop();
});

describe('store and forward', () => {
  it('delivers live, in order', async () => {
    const a = await org.connect(alice);
    const b = await org.connect(bob);
    for (let i = 0; i < 20; i++) await send(a, envelope(alice, { to: bob, body: `m${i}` }));
    await b.waitFor(() => b.envelopes().length === 20);
    expect(b.envelopes().map((d) => d.id)).toHaveLength(20);
    expect(a.envelopes()).toHaveLength(0);
  });

  it('keeps envelopes for an offline device and delivers the backlog in order when it connects', async () => {
    const a = await org.connect(alice);
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const e = envelope(alice, { to: bob });
      ids.push(Buffer.from(e.id).toString('hex'));
      expect((await send(a, e)).recipients).toBe(1);
    }
    const b = await org.connect(bob);
    await b.waitFor(() => b.envelopes().length === 5);
    expect(b.envelopes().map((d) => Buffer.from(d.id).toString('hex'))).toEqual(ids);
  });

  it('redelivers to a client killed before its ack, and never again after the ack', async () => {
    const a = await org.connect(alice);
    const e = envelope(alice, { to: bob });
    await send(a, e);
    const first = await Peer.connect(org.relay.url, bob, { autoAck: false });
    await first.waitFor(() => first.envelopes().length === 1);
    first.client.kill();
    await first.client.closed;

    const second = await Peer.connect(org.relay.url, bob);
    await second.waitFor(() => second.envelopes().length === 1);
    expect(second.envelopes()[0]!.id).toEqual(e.id);
    await second.client.close();

    const third = await org.connect(bob);
    await third.waitFor(() => third.pushes.includes('backlogDone'));
    expect(third.envelopes()).toHaveLength(0);
  });

  it('deduplicates a resent envelope id', async () => {
    const a = await org.connect(alice);
    const e = envelope(alice, { to: bob });
    expect((await send(a, e)).recipients).toBe(1);
    expect((await send(a, e)).recipients).toBe(0);
    const b = await org.connect(bob);
    await b.waitFor(() => b.envelopes().length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.envelopes()).toHaveLength(1);
  });

  it('refuses a full queue with a clear error to the sender', async () => {
    const a = await org.connect(alice);
    for (let i = 0; i < 5; i++) await send(a, envelope(alice, { to: bob }));
    const sixth = envelope(alice, { to: bob });
    await expect(send(a, sixth)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    // Once bob drains his queue, the sender's retry of the same envelope gets through.
    const b = await org.connect(bob);
    await b.waitFor(() => b.pushes.includes('backlogDone'));
    await new Promise((r) => setTimeout(r, 100));
    expect((await send(a, sixth)).recipients).toBe(1);
    await b.waitFor(() => b.envelopes().length === 6);
  });

  it('drops an envelope whose expiry passed before delivery', async () => {
    const a = await org.connect(alice);
    await send(a, envelope(alice, { to: bob, expiresAtMs: Date.now() + 100, body: 'late' }));
    await send(a, envelope(alice, { to: bob, body: 'kept' }));
    await new Promise((r) => setTimeout(r, 200));
    const b = await org.connect(bob);
    await b.waitFor(() => b.envelopes().length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.envelopes()).toHaveLength(1);
  });

  it('refuses an envelope that names another sender', async () => {
    const a = await org.connect(alice);
    await expect(send(a, envelope(bob, { to: alice }))).rejects.toBeInstanceOf(RelayRefused);
  });

  it('keeps queues across a relay restart on disk', async () => {
    await org.stop();
    const { mkdtempSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/valise-relay-');
    try {
      const o2 = await new TestOrg().start({ dataDir: dir });
      await o2.addUser('alice');
      await o2.addUser('bob');
      const a2 = await o2.enrol('alice');
      const b2 = await o2.enrol('bob');
      const pa = await Peer.connect(o2.relay.url, a2);
      await send(pa, envelope(a2, { to: b2, body: 'survives' }));
      await pa.client.close();
      const root = o2.root;
      await o2.stop();
      const o3 = new TestOrg();
      Object.assign(o3, { root });
      await o3.start({ dataDir: dir });
      const pb = await Peer.connect(o3.relay.url, b2);
      await pb.waitFor(() => pb.envelopes().length === 1);
      await pb.client.close();
      await o3.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      org = await new TestOrg().start();
    }
  });
});

describe('prekeys', () => {
  it('serves one bundle per device, consumes one-time prekeys once, falls back to the Kyber last-resort key, and warns when low', async () => {
    const b = await org.connect(bob);
    const bob2 = await org.enrol('bob');
    const b2 = await org.connect(bob2);
    const rec = (n: number) => new Uint8Array([n]);
    await b.client.request({ case: 'uploadPrekeys', value: { signedPrekey: rec(1), kyberLastResort: rec(2), oneTime: [{ id: 10, record: rec(10) }], oneTimeKyber: [{ id: 20, record: rec(20) }] } }, 'ok');
    await b2.client.request({ case: 'uploadPrekeys', value: { signedPrekey: rec(3), kyberLastResort: rec(4), oneTime: [], oneTimeKyber: [] } }, 'ok');
    const low = new Promise<number>((resolve) => b.client.onPush((p) => p.case === 'prekeysLow' && resolve(p.value.oneTime)));
    const a = await org.connect(alice);
    const first = await a.client.request({ case: 'fetchPrekeys', value: { userId: 'bob' } }, 'prekeyBundles');
    expect(first.bundles.map((x) => x.deviceId)).toEqual([bob.deviceId, bob2.deviceId]);
    expect(first.bundles[0]!.oneTime?.id).toBe(10);
    expect(first.bundles[0]!.kyberPrekeyId).toBe(20);
    expect(first.bundles[0]!.kyberIsLastResort).toBe(false);
    expect(first.bundles[1]!.kyberIsLastResort).toBe(true);
    expect(await low).toBe(0);
    const second = await a.client.request({ case: 'fetchPrekeys', value: { userId: 'bob' } }, 'prekeyBundles');
    expect(second.bundles[0]!.oneTime).toBeUndefined();
    expect(second.bundles[0]!.kyberIsLastResort).toBe(true);
    expect(second.bundles[0]!.kyberPrekey).toEqual(rec(2));
    expect(second.bundles[0]!.deviceCertificate).toEqual(new Uint8Array(bob.certificate));
  });

  it('hands out a one-time prekey to exactly one of many concurrent fetchers', async () => {
    const b = await org.connect(bob);
    await b.client.request({ case: 'uploadPrekeys', value: { signedPrekey: new Uint8Array([1]), kyberLastResort: new Uint8Array([2]), oneTime: [{ id: 1, record: new Uint8Array([9]) }], oneTimeKyber: [] } }, 'ok');
    const fetchers = await Promise.all([alice, alice, alice].map(async (d) => {
      const c = await RelayClient.connect(org.relay.url);
      await c.authenticate(d.certificate, (ch) => signAuthChallenge(d.identity.privateKey, ch));
      return c;
    }));
    const got = await Promise.all(fetchers.map((c) => c.request({ case: 'fetchPrekeys', value: { userId: 'bob' } }, 'prekeyBundles')));
    expect(got.filter((g) => g.bundles[0]!.oneTime !== undefined)).toHaveLength(1);
    for (const c of fetchers) await c.close();
  });
});

describe('several connections of one device', () => {
  it('pushes to the newest only; the older one takes over when it closes', async () => {
    const a = await org.connect(alice);
    const older = await Peer.connect(org.relay.url, bob, { autoAck: false });
    const newer = await Peer.connect(org.relay.url, bob, { autoAck: false });
    await send(a, envelope(alice, { to: bob }));
    await newer.waitFor(() => newer.envelopes().length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(older.envelopes()).toHaveLength(0);
    await newer.client.close();
    await older.waitFor(() => older.envelopes().length === 1); // unacknowledged, so sent again
    await older.client.close();
  });

  it('does not restart delivery on the newest when an older connection closes', async () => {
    const a = await org.connect(alice);
    const older = await Peer.connect(org.relay.url, bob);
    const newer = await org.connect(bob);
    newer.autoAck = false;
    await send(a, envelope(alice, { to: bob }));
    await newer.waitFor(() => newer.envelopes().length === 1);
    await older.client.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(newer.envelopes()).toHaveLength(1);
  });
});

describe('connections per device', () => {
  it('refuses a connection beyond the per-device limit', async () => {
    const peers = [];
    for (let i = 0; i < 4; i++) peers.push(await org.connect(alice));
    await expect(Peer.connect(org.relay.url, alice)).rejects.toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
  });
});
