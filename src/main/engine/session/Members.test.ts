import { afterEach, describe, expect, it } from 'vitest';
import { formatSafetyNumber, safetyNumber, type DeviceRef } from '../../../crypto/index.ts';
import { CHANNEL, signedKit, type SignedKit } from '../../../../test/engine/signedChannel.ts';
import type { Peers } from '../Peers.ts';
import { Members } from './Members.ts';

let kit: SignedKit;
afterEach(() => kit.close());

async function rig() {
  kit = await signedKit('alice');
  const approved: string[] = [];
  const peers = {
    sessions: {
      identityChanged: (ref: DeviceRef) => Promise.resolve(ref.userId === 'bob' && approved.length === 0),
      approveIdentity: (ref: DeviceRef) => (approved.push(`${ref.userId}.${ref.deviceId}`), Promise.resolve()),
    },
  } as unknown as Peers;
  const members = new Members(kit.c, {
    book: kit.book,
    directory: kit.directory,
    peers,
    lastSeen: (userId) => (userId === 'bob' ? kit.clock.now() - 5000 : null),
    summary: (id) => ({ id }) as never,
  });
  const bobsNumber = safetyNumber('alice', kit.devices.alice!.identity.publicKey, 'bob', kit.devices.bob!.identity.publicKey).digits;
  return { members, approved, bobsNumber };
}

describe('Members', () => {
  it('lists each member’s devices with safety numbers, leaving out this device, none verified at first', async () => {
    const { members, bobsNumber } = await rig();
    const d = await members.channelDetails(CHANNEL);
    expect(d.members.map((m) => [m.userId, m.role, m.displayName, m.devices.map((dv) => dv.deviceId)])).toEqual([
      ['alice', 'owner', 'ALICE', []],
      ['bob', 'member', 'BOB', ['2']],
    ]);
    expect(d.members[1]!.devices[0]).toMatchObject({ safetyNumber: formatSafetyNumber(bobsNumber), verified: false, identityChanged: true, lastSeenAt: kit.clock.now() - 5000 });
    expect(d).toMatchObject({ epoch: 0, createdBy: 'alice' });
  });

  it('a mistyped safety number is refused: nothing marked verified, the identity not approved', async () => {
    const { members, approved } = await rig();
    await expect(members.verifySafetyNumber({ userId: 'bob', deviceId: '2', safetyNumber: '12345' })).rejects.toMatchObject({ code: 'SAFETY_NUMBER_MISMATCH' });
    expect(approved).toEqual([]);
    expect(kit.c.store.repos.safetyNumbers.verified('bob', '2')).toBeUndefined();
  });

  it('the right number (spaces aside) marks the device verified and approves its identity', async () => {
    const { members, approved, bobsNumber } = await rig();
    expect(await members.verifySafetyNumber({ userId: 'bob', deviceId: '2', safetyNumber: formatSafetyNumber(bobsNumber) })).toEqual({ verified: true });
    expect(approved).toEqual(['bob.2']);
    const d = await members.channelDetails(CHANNEL);
    expect(d.members[1]!.devices[0]).toMatchObject({ verified: true, identityChanged: false });
  });

  it('someone with no trusted device cannot be verified', async () => {
    const { members } = await rig();
    await expect(members.verifySafetyNumber({ userId: 'mallory' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(members.verifySafetyNumber({ userId: 'bob', deviceId: '9' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
