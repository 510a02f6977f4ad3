/**
 * Attack: the relay and a lead removed from the channel fork its history. Ben, still a lead of
 * the organisation, signs a branch from the last state in which he was a channel lead (re-adding
 * himself, opening export, renaming), several epochs long so that the member's device sees an
 * epoch gap and asks the relay for the chain, which the relay answers with the branch.
 * The member's device keeps what it holds; genuine changes still arrive afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeChannelState } from '../../src/crypto/index.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { benLeadsChannel } from './benLeadsChannel.ts';
import { HostileScenario, detailsAt, forkFrom, holdsEpoch, settle } from './hostileScenario.ts';

let sc: HostileScenario;
afterEach(async () => sc?.stop());

describe('a relay and a removed lead fork the channel history', { timeout: 60_000 }, () => {
  it('a member device refuses the branch after an epoch gap and keeps following the real chain', async () => {
    sc = await new HostileScenario().start();
    const { ben, alice, carol, ch } = await benLeadsChannel(sc, { name: 'Talks', classification: 1 });
    await alice.call('changeMembers', { channelId: ch.id, remove: ['ben'] });
    await holdsEpoch(carol, ch.id, 2);
    const genuine = sc.chain(ch.id);
    const whenLead = decodeChannelState(genuine[1]!);

    // Ben's branch from epoch 1: epochs 2', 3', 4'.
    const branch = forkFrom(ben.device, whenLead, [
      { policy: { ...whenLead.policy, allowExport: true } },
      { name: 'Talks (Ben)' },
      { members: [...whenLead.members.filter((m) => m.userId !== 'ben'), { userId: 'ben', role: 'owner' }] },
    ]);
    const { answered } = sc.forgeChainFor(carol, () => [genuine[0]!, genuine[1]!, ...branch]);
    sc.pushChange(carol, branch[2]!);
    await answered;
    await settle();

    const held = await detailsAt(carol, ch.id);
    expect(held.epoch).toBe(2);
    expect(held.name).toBe('Talks');
    expect(held.policy.allowExport).toBe(false);
    expect(held.members.map((m) => m.userId)).not.toContain('ben');

    // The real chain goes on and reaches Carol as before.
    await alice.call('changePolicy', { channelId: ch.id, policy: { ...DEFAULT_POLICY, allowCopy: !DEFAULT_POLICY.allowCopy } });
    await holdsEpoch(carol, ch.id, 3);
    expect((await detailsAt(carol, ch.id)).policy.allowCopy).toBe(!DEFAULT_POLICY.allowCopy);
  });
});
