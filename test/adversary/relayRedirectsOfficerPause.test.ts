/**
 * Attack: the security officer pauses a channel she is not a member of, so her device fetches its
 * chain from the relay. The relay answers with another channel's genuine chain (to have her sign a
 * pause of the wrong channel), or with the real chain extended by a revoked lead's backdated
 * records (to have her endorse them). She signs nothing on top of either.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { until } from '../scenarios/harness.ts';
import { benLeadsChannel, revokeBen } from './benLeadsChannel.ts';
import { HostileScenario, detailsAt, forkFrom, holdsEpoch, settle, signOnTop } from './hostileScenario.ts';

let sc: HostileScenario;
afterEach(async () => sc?.stop());

describe('the relay feeds the officer a forged chain', { timeout: 60_000 }, () => {
  it("refuses another channel's chain for the one she asked, and pauses neither", async () => {
    sc = await new HostileScenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('olga', { roles: ['security-officer'] });
    await sc.rawDevice('ben');
    const alice = await sc.join('alice');
    const olga = await sc.join('olga');
    const target = await alice.call('createChannel', { name: 'Venue', classification: 1, memberUserIds: ['ben'], policy: DEFAULT_POLICY });
    const other = await alice.call('createChannel', { name: 'Logistics', classification: 1, memberUserIds: ['ben'], policy: DEFAULT_POLICY });
    await until(() => sc.chain(target.id).length === 1 && sc.chain(other.id).length === 1, 10_000, 'both channels delivered');

    // 1. Another channel's genuine chain for the one she asked.
    const redirected = sc.forgeChainFor(olga, () => sc.chain(other.id));
    await expect(olga.call('pause', { channelId: target.id, reason: 'Device lost' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await redirected.answered;
    await settle(300);
    expect((await detailsAt(alice, other.id)).status).toBe('active');
    expect((await detailsAt(alice, target.id)).status).toBe('active');
  });

  it("still pauses a channel whose last change came from a key revoked since; her pause on a forged tail convinces no device", async () => {
    sc = await new HostileScenario().start();
    const { ben, alice, carol, joined, ch } = await benLeadsChannel(sc, { name: 'Venue', classification: 1, users: { olga: ['security-officer'] }, join: ['olga'] });
    const olga = joined.olga!;
    // Ben's genuine change while his key is good, then the key is revoked.
    await ben.peer.client.request({ case: 'publishChannelChange', value: { change: signOnTop(ben.device, sc.head(ch.id), { name: 'Venue B' }) } }, 'ok');
    await holdsEpoch(carol, ch.id, 2);
    // Alice's device, the channel's only other lead, is offline: nobody re-keys the channel, so its
    // last change stays the revoked key's.
    await alice.engine.close();
    const before = await revokeBen(sc, ben, ['olga', 'carol']);

    // The thief's records on top, which the relay shows the officer as the chain; it swallows her pause.
    const head = sc.head(ch.id);
    const tail = forkFrom(ben.device, head, [{ members: head.members.filter((m) => m.userId !== 'alice').map((m) => (m.userId === 'ben' ? { ...m, role: 'owner' as const } : m)) }, { name: 'Venue (Ben)' }], before);
    const forged = sc.forgeChainFor(olga, () => [...sc.chain(ch.id), ...tail]);
    const signed: Uint8Array[] = [];
    const swallow = sc.relay.onClient((f, c) => {
      if (c.device?.userId !== 'olga' || f.body.case !== 'request' || f.body.value.op.case !== 'publishChannelChange') return 'pass';
      signed.push(f.body.value.op.value.change);
      c.answer(f.body.value.id, { case: 'ok', value: {} });
      return 'drop';
    });
    await olga.call('pause', { channelId: ch.id, reason: 'Key stolen' });
    await forged.answered;
    expect(signed).toHaveLength(1);
    // The relay hands Carol the tail with the officer's pause on top: she takes none of it.
    const both = sc.forgeChainFor(carol, () => [...sc.chain(ch.id), ...tail, signed[0]!]);
    sc.pushChange(carol, signed[0]!);
    await both.answered;
    await settle();
    expect(await detailsAt(carol, ch.id)).toMatchObject({ epoch: 2, name: 'Venue B', status: 'active' });
    expect((await detailsAt(carol, ch.id)).members.map((m) => m.userId)).toContain('alice');

    // With the real chain (whose last record is the revoked key's), her pause goes through.
    swallow();
    forged.stop();
    both.stop();
    await olga.call('pause', { channelId: ch.id, reason: 'Key stolen' });
    await until(async () => (await detailsAt(carol, ch.id)).status === 'paused', 10_000, 'carol sees the pause');
  });
});
