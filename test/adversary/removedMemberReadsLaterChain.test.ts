/**
 * Attack: a member removed from a channel keeps fetching its chain from the relay and so learns
 * every later state: who joined, the new name, the officer's pause reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeChannelState } from '../../src/crypto/index.ts';
import { changeChannel, createChannel, TestOrg } from '../relay/fixtures.ts';

let org: TestOrg;

afterEach(async () => {
  await org.stop();
});

describe('a removed member fetching the chain', () => {
  it('gets it only up to its removal; members get all of it', async () => {
    org = await new TestOrg().start();
    for (const u of ['lead', 'bob', 'carol', 'dave']) await org.addUser(u);
    const [lead, bob, carol] = await Promise.all([await org.enrol('lead'), await org.enrol('bob'), await org.enrol('carol')].map((d) => org.connect(d)));
    const s0 = await createChannel(lead!, ['lead', 'bob', 'carol']);
    const s1 = await changeChannel(lead!, s0, { members: [{ userId: 'lead', role: 'owner' }, { userId: 'bob', role: 'member' }] });
    const s2 = await changeChannel(lead!, s1, { members: [{ userId: 'lead', role: 'owner' }, { userId: 'bob', role: 'member' }, { userId: 'dave', role: 'member' }] });
    await changeChannel(lead!, s2, { name: 'final positions', status: 'paused', pausedReason: 'leak suspected: carol' });

    const forCarol = await carol!.client.request({ case: 'fetchChannelState', value: { channelId: s0.channelId } }, 'channelState');
    // Carol still verifies the change that removed her, and nothing after it.
    expect(forCarol.changes.map((c) => decodeChannelState(c).epoch)).toEqual([0, 1]);
    const later = forCarol.changes.map(decodeChannelState);
    expect(later.some((s) => s.members.some((m) => m.userId === 'dave'))).toBe(false);
    expect(later.some((s) => s.name === 'final positions' || s.pausedReason)).toBe(false);

    const forBob = await bob!.client.request({ case: 'fetchChannelState', value: { channelId: s0.channelId } }, 'channelState');
    expect(forBob.changes.map((c) => decodeChannelState(c).epoch)).toEqual([0, 1, 2, 3]);
  });

  it('who was removed and added again gets the chain up to its second removal', async () => {
    org = await new TestOrg().start();
    for (const u of ['lead', 'carol']) await org.addUser(u);
    const [lead, carol] = await Promise.all([await org.enrol('lead'), await org.enrol('carol')].map((d) => org.connect(d)));
    const owner = { userId: 'lead', role: 'owner' as const };
    const withCarol = [owner, { userId: 'carol', role: 'member' as const }];
    const s0 = await createChannel(lead!, ['lead', 'carol']);
    const s1 = await changeChannel(lead!, s0, { members: [owner] });
    const s2 = await changeChannel(lead!, s1, { members: withCarol });
    const s3 = await changeChannel(lead!, s2, { members: [owner] });
    await changeChannel(lead!, s3, { name: 'after' });
    const r = await carol!.client.request({ case: 'fetchChannelState', value: { channelId: s0.channelId } }, 'channelState');
    expect(r.changes.map((c) => decodeChannelState(c).epoch)).toEqual([0, 1, 2, 3]);
  });
});
