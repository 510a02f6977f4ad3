/**
 * A small organisation with one channel whose state is really signed, for the parts that sign or
 * check: alice (lead, the channel's owner), bob (a plain delegate member), olga (a security officer,
 * not a member). The session runs as one of them with its real device key; the relay is a fake.
 */
import type { ChannelState, DeviceIdentity } from '../../src/crypto/index.ts';
import { applyChannelChange } from '../../src/crypto/index.ts';
import type { ChannelStateFields } from '../../src/crypto/ChannelState.ts';
import { signChannelState } from '../../src/crypto/ChannelState.ts';
import { DEFAULT_POLICY, type ChannelPolicy } from '../../src/shared/model/policy.ts';
import type { OrgRole } from '../../src/shared/model/roles.ts';
import type { OrgConfig } from '../../src/main/engine/OrgConfig.ts';
import { ChannelBook } from '../../src/main/engine/session/ChannelBook.ts';
import { Directory } from '../../src/main/engine/session/Directory.ts';
import { hex } from '../../src/main/engine/views.ts';
import { NOW, TestOrg, type TestDevice } from '../crypto/fixtures.ts';
import { fakeRelay, sessionKit, type Kit } from './sessionKit.ts';

export const CHANNEL_ID = new Uint8Array(16).fill(7);
export const CHANNEL = hex(CHANNEL_ID);

const PEOPLE: Record<string, { roles: OrgRole[]; deviceId: number }> = {
  alice: { roles: ['lead'], deviceId: 1 },
  bob: { roles: ['delegate'], deviceId: 2 },
  olga: { roles: ['security-officer'], deviceId: 3 },
};
export type Who = keyof typeof PEOPLE & string;

export interface SignedKit extends Kit {
  org: TestOrg;
  devices: Record<string, TestDevice>;
  directory: Directory;
  book: ChannelBook;
  relay: ReturnType<typeof fakeRelay>;
  /** The channel's first state, signed by alice. */
  state: ChannelState;
}

export async function signedKit(
  who: Who,
  o: { policy?: Partial<ChannelPolicy>; name?: string; answers?: Record<string, unknown> } = {},
): Promise<SignedKit> {
  const org = new TestOrg();
  const devices: Record<string, TestDevice> = {};
  const members: Record<string, Uint8Array> = {};
  for (const [userId, p] of Object.entries(PEOPLE)) {
    members[userId] = org.member(userId, 3, p.roles).encoded;
    devices[userId] = org.device(userId, p.deviceId);
  }
  const mine = devices[who]!;
  const kit = await sessionKit(who, mine.deviceId, NOW);
  kit.c.org = { ...kit.c.org, orgId: org.orgId, orgPublicKey: org.root.publicKey.serialize(), recordsUserId: null } as OrgConfig;
  kit.c.me = { ...kit.c.me, orgRoles: PEOPLE[who]!.roles, memberCertificate: hex(members[who]!), deviceCertificate: hex(mine.certificate) };
  kit.c.identity = { identityKeyPair: mine.identity } as unknown as DeviceIdentity;
  const directory = new Directory(kit.c, () => null);
  for (const userId of Object.keys(PEOPLE)) {
    directory.trust.addMemberCertificate(members[userId]!);
    directory.trust.addDeviceCertificate(devices[userId]!.certificate);
  }
  const fields: ChannelStateFields = {
    channelId: CHANNEL_ID,
    epoch: 0,
    previousHash: new Uint8Array(0),
    name: o.name ?? 'Harbour Talks',
    classification: 0,
    policy: { ...DEFAULT_POLICY, ...o.policy },
    members: [
      { userId: 'alice', role: 'owner' },
      { userId: 'bob', role: 'member' },
    ],
    status: 'active',
    signer: { userId: 'alice', deviceId: 1 },
    signedAtMs: NOW,
  };
  const r = applyChannelChange(null, signChannelState(devices.alice!.identity.privateKey, fields), directory.trust.view(NOW));
  if (r.kind !== 'accepted') throw new Error(`fixture channel refused: ${r.reason}`);
  const book = new ChannelBook({ set: () => undefined });
  book.set(CHANNEL, { state: r.state, pausedReason: null });
  const relay = fakeRelay({ publishChannelChange: {}, sendWipe: { recipients: 2 }, ...o.answers });
  return { ...kit, org, devices, directory, book, relay, state: r.state };
}
