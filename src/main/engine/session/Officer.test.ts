import { afterEach, describe, expect, it } from 'vitest';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import { CHANNEL, CHANNEL_ID, signedKit, type SignedKit, type Who } from '../../../../test/engine/signedChannel.ts';
import { ChannelBook } from './ChannelBook.ts';
import { Officer } from './Officer.ts';
import { Publisher } from './Publisher.ts';

let kit: SignedKit;
afterEach(() => kit.close());

async function rig(who: Who, o: { member?: boolean } = {}) {
  kit = await signedKit(who);
  // The relay holds the channel's chain; this device knows the channel only if it is a member.
  const relay = {
    ...kit.relay,
    listChannels: () => Promise.resolve([{ channelId: CHANNEL_ID, state: kit.state.encoded }]),
    fetchChannelState: () => Promise.resolve([kit.state.encoded]),
  } as unknown as RelayClient;
  const book = o.member ? kit.book : new ChannelBook({ set: () => undefined });
  const accepted: unknown[] = [];
  const publisher = new Publisher(kit.c, { book, directory: kit.directory, relay: () => relay, accepted: (s) => void accepted.push(s) });
  const officer = new Officer(kit.c, { book, directory: kit.directory, publisher, authenticated: () => relay });
  return { officer, book, accepted };
}

describe('Officer', () => {
  it('a delegate is no officer: cannot list the organisation’s channels and never acts as one', async () => {
    const { officer } = await rig('bob');
    expect(officer.actsOn(CHANNEL)).toBe(false);
    expect(officer.actsOn('ee'.repeat(16))).toBe(false);
    await expect(officer.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('an officer lists channels she is not a member of, verified from their signed chains', async () => {
    const { officer } = await rig('olga');
    expect(officer.actsOn(CHANNEL)).toBe(true);
    const { channels } = await officer.list();
    expect(channels).toEqual([expect.objectContaining({ id: CHANNEL, name: 'Harbour Talks', status: 'active', membersCount: 2, member: false })]);
  });

  it('an officer pauses a channel she is not in: signed by her device, published, nothing kept here', async () => {
    const { officer, book, accepted } = await rig('olga');
    const summary = await officer.setPaused(CHANNEL, true, 'security review');
    expect(kit.relay.requests.map((r) => r.case)).toEqual(['publishChannelChange']);
    expect(summary).toMatchObject({ id: CHANNEL, status: 'paused', pausedReason: 'security review', member: false });
    expect(book.get(CHANNEL)).toBeUndefined();
    expect(accepted).toEqual([]);
    expect(kit.events).toEqual([]);
  });

  it('an officer acts through the channel itself where this device holds it, and as officer again once it is wiped', async () => {
    const { officer, book } = await rig('olga', { member: true });
    expect(officer.actsOn(CHANNEL)).toBe(false);
    book.markWiped(CHANNEL);
    expect(officer.actsOn(CHANNEL)).toBe(true);
  });
});
