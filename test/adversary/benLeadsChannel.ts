/**
 * The opening shared by the chain attacks: Alice (delegate and lead) creates a channel with Carol,
 * adds Ben (whose device key the attacker holds, driven without an engine) as a channel lead, and
 * Carol's device holds that change. Also the theft: Ben's key revoked after a moment it was good.
 */
import type { ChannelPolicy } from '../../src/shared/model/policy.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { until, type Node } from '../scenarios/harness.ts';
import { holdsEpoch, settle, type HostileScenario } from './hostileScenario.ts';

type Roles = NonNullable<Parameters<HostileScenario['user']>[1]>['roles'];

export interface LeadChannel {
  name: string;
  classification: number;
  policy?: ChannelPolicy;
  /** Users enrolled besides Alice, Carol and Ben, and the roles they hold. */
  users?: Record<string, Roles>;
  /** Of those, the ones whose engines join after Alice's and Carol's (in this order). */
  join?: string[];
}

export async function benLeadsChannel(sc: HostileScenario, o: LeadChannel) {
  await sc.user('alice', { roles: ['delegate', 'lead'] });
  await sc.user('carol');
  for (const [userId, roles] of Object.entries(o.users ?? {})) await sc.user(userId, roles ? { roles } : {});
  const ben = await sc.rawDevice('ben');
  const alice = await sc.join('alice');
  const carol = await sc.join('carol');
  const joined: Record<string, Node> = {};
  for (const userId of o.join ?? []) joined[userId] = await sc.join(userId);
  const ch = await alice.call('createChannel', { name: o.name, classification: o.classification, memberUserIds: ['carol'], policy: o.policy ?? DEFAULT_POLICY });
  await alice.call('changeMembers', { channelId: ch.id, add: [{ userId: 'ben', role: 'lead' }] });
  await holdsEpoch(carol, ch.id, 1);
  return { ben, alice, carol, joined, ch };
}

/**
 * Revokes Ben's device once `users` can see it happen, and returns a moment just before the
 * revocation: after the last genuine change, when the key was still good.
 */
export async function revokeBen(sc: HostileScenario, ben: Awaited<ReturnType<typeof benLeadsChannel>>['ben'], users: string[]): Promise<number> {
  const before = Date.now();
  await settle(20);
  await sc.org.revokeDevice(ben.device);
  // The relay lets the revocation through (withholding it only delays its effect, see SECURITY.md).
  await until(() => users.every((u) => (sc.revocationsTo.get(u) ?? 0) > 0), 10_000, `the revocation reaches ${users.join(' and ')}`);
  await settle(300);
  return before;
}
