/**
 * Attack: the security officer pauses a channel she is not a member of, so her device fetches its
 * chain from the relay. The relay answers with another channel's genuine chain (to have her sign a
 * pause of the wrong channel), or with the real chain extended by a revoked lead's backdated
 * records (to have her endorse them). She signs nothing on top of either.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { until } from '../scenarios/harness.ts';
import { HostileScenario, detailsAt, forkFrom, holdsEpoch, settle } from './hostileScenario.ts';

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

  it("refuses the real chain extended with a revoked lead's backdated records", async () => {
    sc = await new HostileScenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('olga', { roles: ['security-officer'] });
    await sc.user('carol');
    const ben = await sc.rawDevice('ben');
    const alice = await sc.join('alice');
    const carol = await sc.join('carol');
    const olga = await sc.join('olga');
    const ch = await alice.call('createChannel', { name: 'Venue', classification: 1, memberUserIds: ['carol'], policy: DEFAULT_POLICY });
    await alice.call('changeMembers', { channelId: ch.id, add: [{ userId: 'ben', role: 'lead' }] });
    await holdsEpoch(carol, ch.id, 1);
    // Dated after the last genuine change and before the revocation: a time the key was still good.
    const before = Date.now();
    await settle(20);
    await sc.org.revokeDevice(ben.device);
    await until(() => (sc.revocationsTo.get('olga') ?? 0) > 0, 10_000, 'the revocation reaches olga');
    await settle(300);

    const head = sc.head(ch.id);
    const tail = forkFrom(ben.device, head, [{ members: head.members.filter((m) => m.userId !== 'alice').map((m) => (m.userId === 'ben' ? { ...m, role: 'owner' as const } : m)) }], before);
    const forged = sc.forgeChainFor(olga, () => [...sc.chain(ch.id), ...tail]);
    // The relay also swallows whatever she signs on top, answering that it was accepted.
    const signed: Uint8Array[] = [];
    sc.relay.onClient((f, c) => {
      if (c.device?.userId !== 'olga' || f.body.case !== 'request' || f.body.value.op.case !== 'publishChannelChange') return 'pass';
      signed.push(f.body.value.op.value.change);
      c.answer(f.body.value.id, { case: 'ok', value: {} });
      return 'drop';
    });
    await expect(olga.call('pause', { channelId: ch.id, reason: 'Device lost' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await forged.answered;
    await settle(300);
    expect(signed).toEqual([]);
    expect((await detailsAt(carol, ch.id)).status).toBe('active');
  });
});
