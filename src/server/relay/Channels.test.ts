import { afterEach, describe, expect, it } from 'vitest';
import { RelayParts, type PartDevice } from '../../../test/relay/relayParts.ts';
import { Relay } from '../Relay.ts';

let parts: RelayParts;
afterEach(async () => {
  await parts.close();
});

const at = (d: PartDevice) => ({ userId: d.userId, deviceId: d.deviceId });

async function org(): Promise<{ owner: PartDevice; bob: PartDevice; eve: PartDevice }> {
  parts = new RelayParts();
  return { owner: await parts.user('owner'), bob: await parts.user('bob'), eve: await parts.user('eve') };
}

describe('Channels', () => {
  it('refuses a new first state for an id already used, whoever signs it, and audits the refusal', async () => {
    const { owner, eve } = await org();
    const first = parts.create(owner, ['bob']);
    await parts.relay.channels.publishChange(at(owner), first.bytes);
    const takeover = parts.create(eve, [], first.state.channelId);
    await expect(parts.relay.channels.publishChange(at(eve), takeover.bytes)).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    // The same owner cannot start it over either.
    await expect(parts.relay.channels.publishChange(at(owner), parts.create(owner, [], first.state.channelId).bytes))
      .rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    expect(parts.relay.channels.current(first.state.channelId).memberUserIds.sort()).toEqual(['bob', 'owner']);
    expect(parts.audit()).toContainEqual(expect.objectContaining({ event: 'channel.change.refused', actor: 'eve:1' }));
  });

  it('after a restart still refuses a new first state for a stored id, and serves the stored chain unjudged', async () => {
    const { owner, eve } = await org();
    const s0 = parts.create(owner, ['bob']);
    await parts.relay.channels.publishChange(at(owner), s0.bytes);
    const restarted = new Relay(parts.store, parts.relay.trust, parts.relay.limits, parts.relay.log, () => parts.nowMs);
    await restarted.init();
    expect(await restarted.channels.chain(at(owner), s0.state.channelId)).toEqual([s0.bytes]);
    await expect(restarted.channels.publishChange(at(eve), parts.create(eve, [], s0.state.channelId).bytes)).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
  });

  it('refuses a change signed by a non-owner member and keeps the current state', async () => {
    const { owner, bob } = await org();
    const s0 = parts.create(owner, ['bob']);
    await parts.relay.channels.publishChange(at(owner), s0.bytes);
    const grab = parts.next(bob, s0.state, { members: [{ userId: 'bob', role: 'owner' }] });
    await expect(parts.relay.channels.publishChange(at(bob), grab.bytes)).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    expect(parts.relay.channels.current(s0.state.channelId).epoch).toBe(0);
  });

  it('serves a removed member the chain only up to its removal, and a stranger nothing', async () => {
    const { owner, bob, eve } = await org();
    const ch = parts.relay.channels;
    const s0 = parts.create(owner, ['bob']);
    await ch.publishChange(at(owner), s0.bytes);
    const s1 = parts.next(owner, s0.state, { name: 'renamed' });
    await ch.publishChange(at(owner), s1.bytes);
    const s2 = parts.next(owner, s1.state, { members: [{ userId: 'owner', role: 'owner' }] });
    await ch.publishChange(at(owner), s2.bytes);
    const s3 = parts.next(owner, s2.state, { name: 'after bob left' });
    await ch.publishChange(at(owner), s3.bytes);

    expect(await ch.chain(at(owner), s0.state.channelId)).toEqual([s0.bytes, s1.bytes, s2.bytes, s3.bytes]);
    expect(await ch.chain(at(bob), s0.state.channelId)).toEqual([s0.bytes, s1.bytes, s2.bytes]);
    await expect(ch.chain(at(eve), s0.state.channelId)).rejects.toMatchObject({ code: 'CHANNEL_UNKNOWN' });
    expect((await ch.list(at(bob))).length).toBe(0);
    expect((await ch.list(at(owner))).map((c) => c.state)).toEqual([s3.bytes]);
  });

  it('queues a change for old and new members but not for its signer', async () => {
    const { owner, bob } = await org();
    const ch = parts.relay.channels;
    const s0 = parts.create(owner, ['bob']);
    await ch.publishChange(at(owner), s0.bytes);
    const s1 = parts.next(owner, s0.state, { members: [{ userId: 'owner', role: 'owner' }, { userId: 'eve', role: 'member' }] });
    await ch.publishChange(at(owner), s1.bytes);
    const queued = async (d: PartDevice) => (await parts.store.readQueue(at(d), 0, 100, parts.nowMs)).map((i) => i.payload);
    expect(await queued(bob)).toEqual([s0.bytes, s1.bytes]);
    expect(await queued({ userId: 'eve', deviceId: 1 } as PartDevice)).toEqual([s1.bytes]);
    expect(await queued(owner)).toEqual([]);
  });

  it('after a wipe refuses every further change and the chain, and drops queued envelopes', async () => {
    const { owner } = await org();
    const ch = parts.relay.channels;
    const s0 = parts.create(owner, ['bob']);
    await ch.publishChange(at(owner), s0.bytes);
    const wiped = parts.next(owner, s0.state, { status: 'wiped' });
    await ch.publishChange(at(owner), wiped.bytes);
    expect(() => ch.current(s0.state.channelId)).toThrow(expect.objectContaining({ code: 'CHANNEL_WIPED' }) as Error);
    await expect(ch.chain(at(owner), s0.state.channelId)).rejects.toMatchObject({ code: 'CHANNEL_WIPED' });
    await expect(ch.publishChange(at(owner), parts.next(owner, wiped.state, { status: 'active' }).bytes)).rejects.toMatchObject({ code: 'CHANNEL_WIPED' });
    await expect(ch.publishChange(at(owner), parts.create(owner, [], s0.state.channelId).bytes)).rejects.toMatchObject({ code: 'CHANNEL_WIPED' });
    expect(parts.audit().map((e) => e.event)).toContain('channel.wiped');
  });
});
