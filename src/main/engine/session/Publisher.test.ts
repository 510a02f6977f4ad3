import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelState } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import { CHANNEL, signedKit, type SignedKit, type Who } from '../../../../test/engine/signedChannel.ts';
import { ChannelBook } from './ChannelBook.ts';
import { Publisher } from './Publisher.ts';

let kit: SignedKit;
afterEach(() => kit.close());

/** A relay that refuses every change with the given code and message. */
function refusingRelay(code: string, message: string) {
  const requests: string[] = [];
  const relay = {
    request: (body: { case: string }) => (requests.push(body.case), Promise.reject(Object.assign(new Error(message), { code }))),
  } as unknown as RelayClient;
  return { relay, requests };
}

async function rig(who: Who, relay?: RelayClient | null) {
  kit = await signedKit(who);
  const rotations: [string, number][] = [];
  const book = new ChannelBook({ set: (id, epoch) => void rotations.push([id, epoch]) });
  book.set(CHANNEL, kit.book.get(CHANNEL)!);
  const accepted: ChannelState[] = [];
  const publisher = new Publisher(kit.c, {
    book,
    directory: kit.directory,
    relay: () => (relay === undefined ? kit.relay : relay),
    accepted: (s) => void accepted.push(s),
  });
  return { publisher, accepted, rotations, sent: () => kit.relay.requests.map((r) => r.case) };
}

const yes = () => true;

describe('Publisher', () => {
  it('publishes a permitted change signed by this device, makes it current, and rotates keys when a member leaves', async () => {
    const { publisher, accepted, rotations, sent } = await rig('alice');
    const state = await publisher.change(CHANNEL, { members: [{ userId: 'alice', role: 'owner' }] }, yes);
    expect(sent()).toEqual(['publishChannelChange']);
    expect(state).toMatchObject({ epoch: 1, signer: { userId: 'alice', deviceId: 1 }, members: [{ userId: 'alice', role: 'owner' }] });
    expect(accepted).toEqual([state]);
    expect(rotations).toEqual([[CHANNEL, 1]]);
  });

  it('refuses with FORBIDDEN when the caller’s rule says no, sending nothing', async () => {
    const { publisher, accepted, sent } = await rig('alice');
    await expect(publisher.change(CHANNEL, { status: 'paused' }, () => false)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(sent()).toEqual([]);
    expect(accepted).toEqual([]);
  });

  it('checks its own signed change as every member will: a delegate’s member change is FORBIDDEN before the relay sees it', async () => {
    const { publisher, accepted, sent } = await rig('bob');
    await expect(publisher.change(CHANNEL, { members: [{ userId: 'bob', role: 'owner' }] }, yes)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('(not-allowed)') });
    expect(sent()).toEqual([]);
    expect(accepted).toEqual([]);
  });

  it('refuses an off-the-record switch locally with POLICY_REFUSED', async () => {
    const { publisher, sent } = await rig('alice');
    const policy = { ...kit.state.policy, recording: 'off-the-record' as const };
    await expect(publisher.change(CHANNEL, { policy }, yes)).rejects.toMatchObject({ code: 'POLICY_REFUSED' });
    expect(sent()).toEqual([]);
  });

  it('is OFFLINE without a relay and keeps the old state', async () => {
    const { publisher, accepted } = await rig('alice', null);
    await expect(publisher.change(CHANNEL, { status: 'paused' }, yes)).rejects.toMatchObject({ code: 'OFFLINE' });
    expect(accepted).toEqual([]);
  });

  it('says which reason the relay gave when it refuses (NOT_CLEARED), and stores nothing', async () => {
    const { relay, requests } = refusingRelay('CHANNEL_CHANGE_REFUSED', 'The channel change was refused (member-not-cleared). Ask a lead.');
    const { publisher, accepted, rotations } = await rig('alice', relay);
    await expect(publisher.change(CHANNEL, { status: 'paused' }, yes)).rejects.toMatchObject({ code: 'NOT_CLEARED', message: expect.stringContaining('(member-not-cleared)') });
    expect(requests).toEqual(['publishChannelChange']);
    expect(accepted).toEqual([]);
    expect(rotations).toEqual([]);
  });

  it('a relay refusal without a known reason is a CONFLICT (the channel changed meanwhile)', async () => {
    const { relay } = refusingRelay('CHANNEL_CHANGE_REFUSED', 'The channel change was refused.');
    const { publisher, accepted } = await rig('alice', relay);
    await expect(publisher.change(CHANNEL, { status: 'paused' }, yes)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('(fork)') });
    expect(accepted).toEqual([]);
  });

  it('a new state is signed later than the one before it, even within the same millisecond', async () => {
    const { publisher } = await rig('alice');
    expect(kit.clock.now()).toBe(kit.state.signedAtMs);
    const state = await publisher.change(CHANNEL, { status: 'paused' }, yes);
    expect(state.signedAtMs).toBe(kit.state.signedAtMs + 1);
  });
});
