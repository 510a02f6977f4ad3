/**
 * Attack: a lead's client is tampered with and signs changes only the honest client used to
 * refuse: switching an off-the-record channel to recorded (the members' devices would start writing
 * what was said off the record), and lowering the classification without the security officer.
 * The relay refuses to take them, and when a hostile relay hands them to the members directly,
 * their devices refuse them too. A signed "wiped" state, which a lead may sign, shreds the channel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { until } from '../scenarios/harness.ts';
import { benLeadsChannel } from './benLeadsChannel.ts';
import { HostileScenario, detailsAt, settle, signOnTop } from './hostileScenario.ts';

let sc: HostileScenario;
afterEach(async () => sc?.stop());

describe('a tampered client signs what only the honest client refused', { timeout: 60_000 }, () => {
  it('off-the-record to recorded, and a lead lowering the classification: refused by the relay and by other devices', async () => {
    sc = await new HostileScenario().start();
    const { ben, carol, ch } = await benLeadsChannel(sc, { name: 'Quiet', classification: 2, policy: { ...DEFAULT_POLICY, recording: 'off-the-record' } });
    const head = sc.head(ch.id);

    const recorded = signOnTop(ben.device, head, { policy: { ...head.policy, recording: 'devices' } });
    const lowered = signOnTop(ben.device, head, { classification: 0 });
    for (const change of [recorded, lowered]) {
      await expect(ben.peer.client.request({ case: 'publishChannelChange', value: { change } }, 'ok')).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
      sc.pushChange(carol, change);
    }
    await settle();
    expect(await detailsAt(carol, ch.id)).toMatchObject({ epoch: 1, classification: 2, policy: { recording: 'off-the-record' } });
  });

  it('a signed wiped state shreds the channel on the member devices', async () => {
    sc = await new HostileScenario().start();
    const { ben, alice, carol, ch } = await benLeadsChannel(sc, { name: 'Kept', classification: 1 });
    await alice.call('send', { channelId: ch.id, text: 'WIPED-STATE-MARKER' });
    await carol.waitText('WIPED-STATE-MARKER');

    await ben.peer.client.request({ case: 'publishChannelChange', value: { change: signOnTop(ben.device, sc.head(ch.id), { status: 'wiped' }) } }, 'ok');
    await until(() => carol.events.some((e) => e.type === 'channelRemoved' && e.channelId === ch.id), 10_000, 'carol shreds the channel');
    await expect(carol.call('listMessages', { channelId: ch.id, limit: 50 })).rejects.toBeDefined();
    expect((await carol.call('listChannels', {})).channels.some((c) => c.id === ch.id)).toBe(false);
  });
});
