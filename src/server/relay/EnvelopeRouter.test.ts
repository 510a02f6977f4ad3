import { afterEach, describe, expect, it } from 'vitest';
import { envelopeBytes, RelayParts, type PartDevice } from '../../../test/relay/relayParts.ts';
import type { DeviceAddress } from '../store/RelayStore.ts';

let parts: RelayParts;
afterEach(async () => {
  await parts.close();
});

const at = (d: PartDevice): DeviceAddress => ({ userId: d.userId, deviceId: d.deviceId });
const queued = async (d: DeviceAddress) => (await parts.store.readQueue(d, 0, 100, parts.nowMs)).map((i) => i.payload);

async function channel(): Promise<{ owner: PartDevice; bob: PartDevice; bob2: PartDevice; eve: PartDevice; channelId: Uint8Array; s0: ReturnType<RelayParts['create']>['state'] }> {
  parts = new RelayParts();
  const owner = await parts.user('owner');
  const bob = await parts.user('bob');
  const bob2 = await parts.device('bob', 2);
  const eve = await parts.user('eve');
  const s0 = parts.create(owner, ['bob']);
  await parts.relay.channels.publishChange(at(owner), s0.bytes);
  for (const d of [owner, bob, bob2, eve]) await parts.store.ack(at(d), (await parts.store.readQueue(at(d), 0, 100, parts.nowMs)).map((i) => i.seq));
  return { owner, bob, bob2, eve, channelId: s0.state.channelId, s0: s0.state };
}

describe('EnvelopeRouter.send', () => {
  it('queues a channel envelope for every member device but the sender, and for nobody else', async () => {
    const { owner, bob, bob2, eve, channelId } = await channel();
    const env = envelopeBytes(owner, { channelId });
    expect(await parts.relay.router.send(at(owner), env.bytes)).toBe(2);
    expect(await queued(at(bob))).toEqual([env.bytes]);
    expect(await queued(at(bob2))).toEqual([env.bytes]);
    expect(await queued(at(eve))).toEqual([]);
    expect(await queued(at(owner))).toEqual([]);
  });

  it("refuses a non-member's send, queues nothing, and audits the refusal", async () => {
    const { bob, eve, channelId } = await channel();
    const env = envelopeBytes(eve, { channelId });
    await expect(parts.relay.router.send(at(eve), env.bytes)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    expect(await queued(at(bob))).toEqual([]);
    expect(parts.audit()).toContainEqual({ event: 'send.refused', actor: 'eve:1', detail: 'NOT_A_MEMBER' });
  });

  it('refuses a direct envelope in a channel to a non-member, and an envelope naming another sender', async () => {
    const { owner, bob, eve, channelId } = await channel();
    await expect(parts.relay.router.send(at(owner), envelopeBytes(owner, { channelId, to: at(eve) }).bytes)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    expect(await queued(at(eve))).toEqual([]);
    await expect(parts.relay.router.send(at(eve), envelopeBytes(owner, { channelId }).bytes)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await queued(at(bob))).toEqual([]);
    expect(parts.audit().filter((e) => e.event === 'send.refused').map((e) => e.detail)).toEqual(['NOT_A_MEMBER', 'FORBIDDEN']);
  });

  it('delivers a direct envelope to the one device it names, and a retry of it nowhere again', async () => {
    const { owner, bob, bob2 } = await channel();
    const env = envelopeBytes(owner, { to: at(bob2) });
    expect(await parts.relay.router.send(at(owner), env.bytes)).toBe(1);
    expect(await parts.relay.router.send(at(owner), env.bytes)).toBe(0);
    expect(await queued(at(bob2))).toEqual([env.bytes]);
    expect(await queued(at(bob))).toEqual([]);
    await expect(parts.relay.router.send(at(owner), envelopeBytes(owner, { to: { userId: 'bob', deviceId: 9 } }).bytes)).rejects.toMatchObject({ code: 'UNKNOWN_USER' });
  });

  it('refuses sends into a paused channel', async () => {
    const { owner, bob, channelId, s0 } = await channel();
    const paused = parts.next(owner, s0, { status: 'paused' });
    await parts.relay.channels.publishChange(at(owner), paused.bytes);
    await parts.store.ack(at(bob), (await parts.store.readQueue(at(bob), 0, 100, parts.nowMs)).map((i) => i.seq));
    await expect(parts.relay.router.send(at(owner), envelopeBytes(owner, { channelId }).bytes)).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
    expect(await queued(at(bob))).toEqual([]);
  });
});
