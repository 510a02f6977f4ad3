/**
 * The hostile relay does what the adversary tests need: passes traffic through to the real relay,
 * drops, rewrites and replays what it carries, and forges pushes and answers the device takes as
 * the relay's.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Peer, TestOrg, createChannel } from '../relay/fixtures.ts';
import { HostileRelay } from './HostileRelay.ts';

describe('HostileRelay', { timeout: 20_000 }, () => {
  let org: TestOrg;
  let hostile: HostileRelay;
  const peers: Peer[] = [];

  afterEach(async () => {
    for (const p of peers.splice(0)) await p.client.close().catch(() => undefined);
    await hostile?.close();
    await org?.stop();
  });

  async function setUp() {
    org = await new TestOrg().start();
    await org.addUser('ann');
    await org.addUser('bea');
    const ann = await org.enrol('ann');
    const bea = await org.enrol('bea');
    hostile = await HostileRelay.start(org.relay.url);
    const a = await Peer.connect(hostile.url, ann);
    const b = await Peer.connect(hostile.url, bea);
    peers.push(a, b);
    return { a, b };
  }

  it('passes traffic through, and drops or replays what it chooses', async () => {
    const { a, b } = await setUp();
    const kept: Uint8Array[] = [];
    const stop = hostile.onServer((f, c) => {
      const d = f.body.case === 'push' && f.body.value.body.case === 'delivery' ? f.body.value.body.value : null;
      if (d && c.device?.userId === 'bea') {
        kept.push(d.id);
        return 'drop';
      }
      return 'pass';
    });
    const ch = await createChannel(a, ['bea']);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.deliveries).toHaveLength(0);
    expect(kept).toHaveLength(1);
    stop();
    // Replayed twice from what went by.
    const [conn] = hostile.of('bea');
    const seen = conn!.fromRelay.filter((f) => f.body.case === 'push' && f.body.value.body.case === 'delivery');
    conn!.toClient(seen[0]!);
    conn!.toClient(seen[0]!);
    await b.waitFor(() => b.deliveries.length === 2);
    expect(b.deliveries.every((d) => Buffer.from(d.payload).equals(Buffer.from(ch.encoded)))).toBe(true);
  });

  it('forges pushes and answers the device cannot tell from the relay', async () => {
    const { a, b } = await setUp();
    const ch = await createChannel(a, ['bea']);
    await b.waitFor(() => b.deliveries.length === 1);
    const forged = new Uint8Array(randomBytes(40));
    hostile.of('bea')[0]!.push('channelChange', new Uint8Array(randomBytes(16)), forged, ch.channelId);
    await b.waitFor(() => b.deliveries.length === 2);
    expect(Buffer.from(b.deliveries[1]!.payload).equals(Buffer.from(forged))).toBe(true);
    // The chain Bea asks for is answered by the proxy, never by the relay.
    hostile.onClient((f, c) => {
      if (f.body.case === 'request' && f.body.value.op.case === 'fetchChannelState') {
        c.answer(f.body.value.id, { case: 'channelState', value: { changes: [forged] } });
        return 'drop';
      }
      return 'pass';
    });
    const { changes } = await b.client.request({ case: 'fetchChannelState', value: { channelId: ch.channelId } }, 'channelState');
    expect(changes.map((c) => Buffer.from(c).toString('hex'))).toEqual([Buffer.from(forged).toString('hex')]);
  });
});
