/**
 * Attack: a lead's device key is stolen; the security office revokes it. The thief, with the relay,
 * signs channel changes dated before the revocation and has the relay hand them to devices as part
 * of the chain: to a member after an epoch gap, and to a newly added member past the record that
 * added it. Neither device trusts the thief's clock: the records stay out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeChannelState } from '../../src/crypto/index.ts';
import { until } from '../scenarios/harness.ts';
import { benLeadsChannel, revokeBen } from './benLeadsChannel.ts';
import { HostileScenario, detailsAt, forkFrom, holdsEpoch, settle } from './hostileScenario.ts';

let sc: HostileScenario;
afterEach(async () => sc?.stop());

describe('a stolen-then-revoked lead key signs backdated records', { timeout: 60_000 }, () => {
  it('a member after an epoch gap and a new member both refuse them', async () => {
    sc = await new HostileScenario().start();
    const { ben, alice, carol, ch } = await benLeadsChannel(sc, { name: 'Talks', classification: 1, users: { dave: undefined } });
    const before = await revokeBen(sc, ben, ['carol']);
    // Alice's device, the channel's lead, re-keys it (epoch 2) once the revocation reaches it.
    await holdsEpoch(carol, ch.id, 2);
    await settle(300);

    // A gap of two epochs makes Carol fetch the chain.
    const head = sc.head(ch.id);
    const backdated = forkFrom(ben.device, head, [{ policy: { ...head.policy, allowExport: true } }, { name: 'Talks (open)' }], before);
    const first = sc.forgeChainFor(carol, () => [...sc.chain(ch.id), ...backdated]);
    sc.pushChange(carol, backdated[1]!);
    await first.answered;
    await settle();
    expect(await detailsAt(carol, ch.id)).toMatchObject({ epoch: 2, name: 'Talks', policy: { allowExport: false } });

    // Dave is added (epoch 3, genuine) and joins; the relay's chain runs on past that record with
    // the thief's backdated records.
    await alice.call('changeMembers', { channelId: ch.id, add: [{ userId: 'dave', role: 'member' }] });
    await holdsEpoch(carol, ch.id, 3);
    const genuine = sc.chain(ch.id);
    const added = decodeChannelState(genuine[3]!);
    const tail = forkFrom(ben.device, added, [{ members: added.members.map((m) => (m.userId === 'ben' ? { ...m, role: 'owner' as const } : m)) }, { name: 'Talks (Ben)' }], before);
    let answered = false;
    const forged = sc.forgeChainFor({ userId: 'dave' }, () => [...genuine, ...tail]);
    void forged.answered.then(() => (answered = true));
    const dave = await sc.join('dave');
    // However Dave first hears of the channel, the relay pushes the record that added him.
    await until(() => answered, 3000, 'a chain fetch').catch(() => sc.pushChange(dave, genuine[3]!));
    await forged.answered;
    await holdsEpoch(dave, ch.id, 3);
    await settle();
    const atDave = await detailsAt(dave, ch.id);
    expect(atDave).toMatchObject({ epoch: 3, name: 'Talks' });
    expect(atDave.members.find((m) => m.userId === 'ben')?.role).toBe('lead');
  });
});
