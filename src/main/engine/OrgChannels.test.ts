/**
 * The officer's list is judged by each channel's signed chain, not by what the relay says: a
 * channel whose chain does not verify (forged by the relay, or signed by someone without the
 * right) is left out, and a state to sign on top of is always the verified one.
 */
import { describe, expect, it } from 'vitest';
import { decodeChannelState, nextStateFields, signChannelState } from '../../crypto/index.ts';
import type { RelayClient } from '../../relay/RelayClient.ts';
import { NOW, TestOrg, channelId, creation } from '../../../test/crypto/fixtures.ts';
import { OrgChannels } from './OrgChannels.ts';
import { hex } from '../../base/hex.ts';

function setUp(chains: Map<string, Uint8Array[]>) {
  const org = new TestOrg();
  const relay = {
    listChannels: async () => [...chains.values()].map((c) => ({ channelId: decodeChannelState(c.at(-1)!).channelId, state: c.at(-1)! })),
    fetchChannelState: async (id: Uint8Array) => chains.get(hex(id)) ?? [],
  } as unknown as RelayClient;
  const rejected: string[] = [];
  const channels = new OrgChannels({ relay: () => relay, trust: () => org.trust, now: () => NOW + 1000, knowAll: async () => undefined, rejected: (id) => rejected.push(id) });
  return { org, channels, rejected };
}

describe('OrgChannels', () => {
  it('lists verified channels and leaves out one whose chain does not verify', async () => {
    const chains = new Map<string, Uint8Array[]>();
    const { org, channels, rejected } = setUp(chains);
    org.member('alice', 3, ['lead']);
    org.member('bob', 3);
    const alice = org.device('alice', 1);
    const bob = org.device('bob', 1);
    const good = creation(alice, [{ userId: 'alice', role: 'owner' }, { userId: 'bob', role: 'member' }]);
    chains.set(hex(channelId(1)), [good]);
    // A second channel, then Bob — a plain member — "pauses" it: not his right, so the chain is invalid.
    const second = signChannelState(alice.identity.privateKey, { ...decodeChannelState(good), channelId: channelId(2) });
    const forged = signChannelState(bob.identity.privateKey, nextStateFields(decodeChannelState(second), { userId: 'bob', deviceId: 1 }, NOW + 1, { status: 'paused' }));
    chains.set(hex(channelId(2)), [second, forged]);

    const listed = await channels.list();
    expect(listed.map((s) => hex(s.channelId))).toEqual([hex(channelId(1))]);
    expect(rejected).toEqual([hex(channelId(2))]);
    expect((await channels.state(hex(channelId(1)))).name).toBe('Talks');
    await expect(channels.state(hex(channelId(2)))).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(channels.state(hex(channelId(3)))).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
