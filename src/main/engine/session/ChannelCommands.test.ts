import { afterEach, describe, expect, it } from 'vitest';
import { decodeWipeCommand, type ChannelState } from '../../../crypto/index.ts';
import { DEFAULT_POLICY } from '../../../shared/model/policy.ts';
import { CHANNEL, signedKit, type SignedKit, type Who } from '../../../../test/engine/signedChannel.ts';
import { ChannelCommands } from './ChannelCommands.ts';
import type { Officer } from './Officer.ts';
import { Publisher } from './Publisher.ts';
import type { Wipes } from './Wipes.ts';

let kit: SignedKit;
afterEach(() => kit.close());

async function rig(who: Who, o: { offline?: boolean } = {}) {
  kit = await signedKit(who);
  const accepted: ChannelState[] = [];
  const wipedHere: string[] = [];
  const issued: { channelId: string; total: number; name?: string }[] = [];
  const relay = () => (o.offline ? null : kit.relay);
  const publisher = new Publisher(kit.c, { book: kit.book, directory: kit.directory, relay, accepted: (s) => void accepted.push(s) });
  const wipes = {
    issue: (channelId: string, _cmd: unknown, _enc: unknown, _at: number, expected: unknown[], name?: string) => void issued.push({ channelId, total: expected.length, name }),
    count: () => undefined,
  } as unknown as Wipes;
  const officer = { actsOn: () => false } as unknown as Officer;
  const commands = new ChannelCommands(kit.c, {
    book: kit.book,
    directory: kit.directory,
    publisher,
    officer,
    wipes,
    relay,
    summary: (id) => ({ id }) as never,
    details: (id) => Promise.resolve({ id } as never),
    wipedHere: (id) => void wipedHere.push(id),
  });
  const sent = () => kit.relay.requests.map((r) => r.case);
  return { commands, accepted, wipedHere, issued, sent };
}

describe('ChannelCommands', () => {
  it('the owner pauses the channel with a reason carried in the signed state, and everyone is told', async () => {
    const { commands, accepted, sent } = await rig('alice');
    await commands.setPaused(CHANNEL, true, 'wait for counsel');
    expect(sent()).toEqual(['publishChannelChange']);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ status: 'paused', pausedReason: 'wait for counsel', epoch: 1 });
    expect(kit.events).toEqual([{ type: 'channelChanged', channel: { id: CHANNEL } }]);
  });

  it('a plain delegate cannot pause, change members, policy or classification: nothing reaches the relay', async () => {
    const { commands, accepted, sent } = await rig('bob');
    await expect(commands.setPaused(CHANNEL, true, null)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(commands.changeMembers({ channelId: CHANNEL, add: [], remove: ['alice'] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(commands.changePolicy({ channelId: CHANNEL, policy: { ...DEFAULT_POLICY, allowExport: true } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(commands.changeClassification({ channelId: CHANNEL, classification: 0 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(sent()).toEqual([]);
    expect(accepted).toEqual([]);
    expect(kit.events).toEqual([]);
  });

  it('a plain delegate cannot wipe, even typing the right name', async () => {
    const { commands, wipedHere, issued, sent } = await rig('bob');
    await expect(commands.wipe({ channelId: CHANNEL, confirmName: 'Harbour Talks' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(sent()).toEqual([]);
    expect(issued).toEqual([]);
    expect(wipedHere).toEqual([]);
  });

  it('a wipe needs the channel’s exact name typed; a partial, other or differently cased name sends nothing', async () => {
    const { commands, wipedHere, sent } = await rig('alice');
    await expect(commands.wipe({ channelId: CHANNEL, confirmName: 'Harbour' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(commands.wipe({ channelId: CHANNEL, confirmName: 'Other Talks' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(commands.wipe({ channelId: CHANNEL, confirmName: 'harbour talks' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(sent()).toEqual([]);
    expect(wipedHere).toEqual([]);
  });

  it('the owner’s confirmed wipe is signed by this device, sent, recorded and shreds the channel here', async () => {
    const { commands, wipedHere, issued } = await rig('alice');
    // Full-width letters read as the same name.
    const r = await commands.wipe({ channelId: CHANNEL, confirmName: 'Ｈａｒｂｏｕｒ Talks' });
    const req = kit.relay.requests.find((q) => q.case === 'sendWipe');
    expect(req).toBeDefined();
    const cmd = decodeWipeCommand((req!.value as { wipe: Uint8Array }).wipe);
    expect(cmd.issuer).toMatchObject({ userId: 'alice', deviceId: 1 });
    expect(r.wipeId).toBe(Buffer.from(cmd.hash).toString('hex'));
    // alice's and bob's devices are expected to confirm.
    expect(r.total).toBe(2);
    expect(issued).toEqual([{ channelId: CHANNEL, total: 2, name: 'Harbour Talks' }]);
    expect(wipedHere).toEqual([CHANNEL]);
  });

  it('a wipe offline is refused before anything is recorded', async () => {
    const { commands, issued, wipedHere } = await rig('alice', { offline: true });
    await expect(commands.wipe({ channelId: CHANNEL, confirmName: 'Harbour Talks' })).rejects.toMatchObject({ code: 'OFFLINE' });
    expect(issued).toEqual([]);
    expect(wipedHere).toEqual([]);
  });

  it('refuses switching recording to off-the-record on a recorded channel', async () => {
    const { commands, sent } = await rig('alice');
    await expect(commands.changePolicy({ channelId: CHANNEL, policy: { ...DEFAULT_POLICY, recording: 'off-the-record' } })).rejects.toMatchObject({ code: 'POLICY_REFUSED' });
    expect(sent()).toEqual([]);
  });

  it('a plain delegate cannot create a channel', async () => {
    const { commands, sent } = await rig('bob');
    await expect(commands.createChannel({ name: 'Side deal', memberUserIds: ['alice'], classification: 0, policy: DEFAULT_POLICY } as never)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(sent()).toEqual([]);
  });
});
