import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create, toBinary } from '@bufbuild/protobuf';
import { WebSocket } from 'ws';
import { ClientFrameSchema } from '../../src/gen/valise/v1/relay_pb.ts';
import { signAuthChallenge } from '../../src/crypto/index.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { createChannel, envelope, Peer, send, TestOrg, type Device } from './fixtures.ts';

let org: TestOrg;
let alice: Device;
let bob: Device;
let mallory: Device;
beforeAll(async () => {
  org = await new TestOrg().start({ limits: { maxFrameBytes: 64 * 1024, requestsPerSecond: 50, requestBurst: 100 } });
  for (const u of ['alice', 'bob', 'mallory']) await org.addUser(u);
  alice = await org.enrol('alice');
  bob = await org.enrol('bob');
  mallory = await org.enrol('mallory');
});
afterAll(() => org.stop());

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validFrames(): Uint8Array[] {
  const f = (body: Parameters<typeof create<typeof ClientFrameSchema>>[1]) => toBinary(ClientFrameSchema, create(ClientFrameSchema, body));
  const env = envelope(mallory, { to: alice }).bytes;
  return [
    f({ body: { case: 'hello', value: { protocolVersion: 2 } } }),
    f({ body: { case: 'request', value: { id: 1n, op: { case: 'send', value: { envelope: env } } } } }),
    f({ body: { case: 'request', value: { id: 2n, op: { case: 'fetchPrekeys', value: { userId: 'alice' } } } } }),
    f({ body: { case: 'request', value: { id: 3n, op: { case: 'uploadPrekeys', value: { signedPrekey: new Uint8Array(40), oneTime: [{ id: 1, record: new Uint8Array(8) }] } } } } }),
    f({ body: { case: 'request', value: { id: 4n, op: { case: 'publishChannelChange', value: { change: new Uint8Array(90) } } } } }),
    f({ body: { case: 'request', value: { id: 5n, op: { case: 'submitEnrolment', value: { request: new Uint8Array(120) } } } } }),
    f({ body: { case: 'request', value: { id: 6n, op: { case: 'sendWipe', value: { wipe: new Uint8Array(100) } } } } }),
    f({ body: { case: 'request', value: { id: 7n, op: { case: 'readAudit', value: { afterSeq: -5n, limit: 4_000_000_000 } } } } }),
    f({ body: { case: 'ack', value: { ids: [new Uint8Array(16), new Uint8Array(3)] } } }),
  ];
}

function mutate(r: () => number, frames: Uint8Array[]): Uint8Array {
  const pick = () => frames[Math.floor(r() * frames.length)]!;
  const kind = Math.floor(r() * 5);
  if (kind === 0) return Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256));
  const b = new Uint8Array(pick());
  if (kind === 1) {
    for (let i = 0; i < 1 + r() * 4; i++) {
      const at = Math.floor(r() * b.length);
      b[at] = (b[at] ?? 0) ^ (1 << Math.floor(r() * 8));
    }
    return b;
  }
  if (kind === 2) return b.subarray(0, Math.floor(r() * b.length));
  if (kind === 3) {
    const other = pick();
    return Uint8Array.from([...b.subarray(0, Math.floor(r() * b.length)), ...other.subarray(Math.floor(r() * other.length))]);
  }
  return b;
}

describe('bad input', () => {
  it('survives 10,000 random and mutated frames while other clients keep working', async () => {
    const a = await Peer.connect(org.relay.url, alice);
    const b = await Peer.connect(org.relay.url, bob);
    const channel = await createChannel(a, ['alice', 'bob']);
    const r = rng(20261122);
    const frames = validFrames();
    let sent = 0;
    let closes = 0;
    let sentLegit = 0;

    async function attacker(authenticated: boolean): Promise<void> {
      while (sent < 10_000) {
        let c: RelayClient;
        try {
          c = await RelayClient.connect(org.relay.url);
          if (authenticated) await c.authenticate(mallory.certificate, (ch) => signAuthChallenge(mallory.identity.privateKey, ch));
        } catch {
          continue; // e.g. too many connections while an old one is still closing
        }
        while (c.isOpen && sent < 10_000) {
          c.sendRaw(mutate(r, frames));
          sent++;
          if (sent % 50 === 0) await new Promise((res) => setImmediate(res));
        }
        closes++;
        c.kill();
      }
    }

    async function legit(): Promise<void> {
      while (sent < 10_000) {
        await send(a, envelope(alice, { channelId: channel.channelId, body: `legit ${sentLegit}` }));
        sentLegit++;
        await new Promise((res) => setTimeout(res, 5));
      }
    }

    await Promise.all([attacker(false), attacker(true), legit()]);
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect(closes).toBeGreaterThan(10);
    // The relay is up, and the honest pair lost nothing.
    await b.waitFor(() => b.envelopes().length === sentLegit, 10_000);
    expect(a.client.isOpen && b.client.isOpen).toBe(true);
    const fresh = await Peer.connect(org.relay.url, bob);
    expect(fresh.client.isOpen).toBe(true);
    await Promise.all([a.client.close(), b.client.close(), fresh.client.close()]);
  });

  it('closes a connection that sends an oversized frame, a text frame or a frame before hello', async () => {
    const big = new WebSocket(org.relay.url);
    await new Promise((res) => big.once('open', res));
    big.send(new Uint8Array(65 * 1024));
    expect(await new Promise((res) => big.once('close', res))).toBe(1009);

    const text = new WebSocket(org.relay.url);
    await new Promise((res) => text.once('open', res));
    text.send('hello');
    expect(await new Promise((res) => text.once('close', res))).toBe(1007);

    const early = new WebSocket(org.relay.url);
    await new Promise((res) => early.once('open', res));
    early.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, { body: { case: 'ack', value: { ids: [] } } })));
    expect(await new Promise((res) => early.once('close', res))).toBe(1007);
  });

  it('refuses requests over the rate limit, then cuts a client that keeps going', async () => {
    const c = await Peer.connect(org.relay.url, alice);
    const results = await Promise.allSettled(Array.from({ length: 150 }, () => c.client.request({ case: 'prekeyCount', value: {} }, 'prekeyCount')));
    const refused = results.filter((x) => x.status === 'rejected' && (x.reason as { code?: string }).code === 'RATE_LIMITED');
    expect(refused.length).toBeGreaterThan(0);
    expect(results.filter((x) => x.status === 'fulfilled').length).toBeGreaterThanOrEqual(95); // the burst, less the authentication request
    for (let i = 0; i < 300 && c.client.isOpen; i++) void c.client.call({ case: 'prekeyCount', value: {} }).catch(() => undefined);
    expect((await c.client.closed).code).toBe(4008);
  });
});
