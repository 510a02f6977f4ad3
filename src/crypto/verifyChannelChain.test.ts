import { describe, expect, it } from 'vitest';
import { DAY, NOW, TestOrg, channelId, creation, type TestDevice } from '../../test/crypto/fixtures.ts';
import { applyChannelChange } from './applyChannelChange.ts';
import { decodeChannelState, nextStateFields, signChannelState, type ChannelState } from './ChannelState.ts';
import { issueRevocation } from './certificates.ts';
import { verifyChannelChain, type ChainContext } from './verifyChannelChain.ts';

type Change = Parameters<typeof nextStateFields>[3];

/** Ann (owner) and Ben (lead) run a channel with Cy; Dee joins later. */
function world() {
  const org = new TestOrg();
  org.member('ann', 3, ['lead']);
  org.member('ben', 3, ['lead']);
  org.member('cy', 3);
  org.member('dee', 3);
  const ann = org.device('ann', 1);
  const ben = org.device('ben', 1);
  const records: Uint8Array[] = [creation(ann, [{ userId: 'ann', role: 'owner' }, { userId: 'ben', role: 'lead' }, { userId: 'cy', role: 'member' }], 2)];
  const states: ChannelState[] = [must(applyChannelChange(null, records[0]!, org.trust.view(NOW)))];
  const step = (by: TestDevice, c: Change, at = NOW + records.length * 1000) => {
    const rec = sign(by, states.at(-1)!, c, at);
    states.push(must(applyChannelChange(states.at(-1)!, rec, org.trust.view(NOW + records.length * 1000))));
    records.push(rec);
    return rec;
  };
  const ctx = (held: ChannelState | null, pushed?: Uint8Array, at = NOW + DAY): ChainContext => ({
    channelId: channelId(),
    held,
    pushed,
    now: org.trust.view(at),
    ever: org.trust.everIssued(at),
  });
  const revoke = (d: TestDevice, atMs: number) =>
    org.trust.addRevocation(issueRevocation(org.root.privateKey, { orgId: org.orgId, target: 'device', revokedSerial: d.serial, revokedAtMs: atMs, reason: 'lost' }));
  return { org, ann, ben, records, states, step, ctx, revoke };
}

function sign(by: TestDevice, prev: ChannelState, c: Change, at: number): Uint8Array {
  return signChannelState(by.identity.privateKey, nextStateFields(prev, { userId: by.userId, deviceId: by.deviceId }, at, c));
}

function must(r: ReturnType<typeof applyChannelChange>): ChannelState {
  if (r.kind !== 'accepted') throw new Error(r.reason);
  return r.state;
}

const hash = (r: ReturnType<typeof verifyChannelChain>) => (r.kind === 'accepted' ? Buffer.from(r.state.hash).toString('hex') : r.reason);
const hashOf = (s: ChannelState) => Buffer.from(s.hash).toString('hex');

describe('verifyChannelChain', () => {
  it('gives a device that holds nothing the state at the pushed record, verified from epoch 0', () => {
    const { ann, states, records, step, ctx } = world();
    step(ann, { name: 'Round 2' });
    const adds = step(ann, { members: [...states.at(-1)!.members, { userId: 'dee', role: 'member' }] });
    step(ann, { name: 'Round 3' });
    // Dee is pushed epoch 2 (her addition); the relay's chain already holds epoch 3: taken up to 2.
    const r = verifyChannelChain(records, ctx(null, adds));
    expect(hash(r)).toBe(hashOf(states[2]!));
    expect(hash(verifyChannelChain(records, ctx(null)))).toBe(hashOf(states[3]!));
  });

  it('refuses a chain that does not start at epoch 0 of the channel asked, or that is empty', () => {
    const { ann, records, step, ctx } = world();
    step(ann, { name: 'Round 2' });
    expect(verifyChannelChain(records.slice(1), ctx(null))).toMatchObject({ kind: 'rejected', index: 0 });
    expect(verifyChannelChain([], ctx(null))).toMatchObject({ kind: 'rejected', reason: 'invalid-creation' });
    // Another channel's genuine chain, offered for this one.
    const other = creation(ann, [{ userId: 'ann', role: 'owner' }]);
    const otherId = signChannelState(ann.identity.privateKey, { ...must(applyChannelChange(null, other, ctx(null).now)), channelId: new Uint8Array(16).fill(9) });
    expect(verifyChannelChain([otherId], ctx(null))).toMatchObject({ kind: 'rejected', reason: 'wrong-channel', index: 0 });
    expect(verifyChannelChain(records, { ...ctx(null), channelId: new Uint8Array(16).fill(9) })).toMatchObject({ kind: 'rejected', reason: 'wrong-channel' });
  });

  it('takes a chain that extends what the device holds, after any gap', () => {
    const { ann, records, states, step, ctx } = world();
    for (let i = 0; i < 5; i++) step(ann, { name: `Round ${i}` });
    expect(hash(verifyChannelChain(records, ctx(states[1]!, records[5])))).toBe(hashOf(states[5]!));
  });

  it('refuses a fork after an epoch gap: a lead removed since re-adds himself from an older state', () => {
    const { ann, ben, records, states, step, ctx } = world();
    step(ann, { members: states[0]!.members.filter((m) => m.userId !== 'ben') }); // epoch 1: Ben removed
    // Ben, still a lead of the organisation, signs from epoch 0 where he was a lead: a branch.
    const f1 = sign(ben, states[0]!, { classification: 3 }, NOW + 500);
    const f1s = must(applyChannelChange(states[0]!, f1, ctx(null).now));
    const f2 = sign(ben, f1s, { name: 'Ben is back', policy: { ...f1s.policy, allowExport: true } }, NOW + 600);
    const forked = [records[0]!, f1, f2];
    // Cy holds epoch 1 (Ben removed): the branch does not contain it.
    expect(verifyChannelChain(forked, ctx(states[1]!, f2))).toMatchObject({ kind: 'rejected', reason: 'fork', index: 1 });
    // Nor when the relay pads it with the genuine record: the pushed record is not at its epoch.
    expect(verifyChannelChain([...records], ctx(states[1]!, f2))).toMatchObject({ kind: 'rejected', reason: 'fork', index: 2 });
  });

  it('refuses a chain that goes back to or stops before what the device holds', () => {
    const { ann, records, states, step, ctx } = world();
    step(ann, { name: 'a' });
    step(ann, { name: 'b' });
    expect(verifyChannelChain(records, ctx(states[2]!, records[1]))).toMatchObject({ kind: 'rejected', reason: 'rollback' });
    expect(verifyChannelChain(records.slice(0, 2), ctx(states[2]!))).toMatchObject({ kind: 'rejected', reason: 'fork' });
    expect(verifyChannelChain(records, ctx(states[2]!))).toMatchObject({ kind: 'rejected', reason: 'rollback' });
  });

  it('refuses reordered and tampered chains at the first bad record', () => {
    const { ann, records, step, ctx } = world();
    step(ann, { name: 'a' });
    step(ann, { name: 'b' });
    expect(verifyChannelChain([records[0]!, records[2]!, records[1]!], ctx(null))).toMatchObject({ kind: 'rejected', index: 1 });
    const bad = new Uint8Array(records[1]!);
    bad[bad.length - 3]! ^= 1;
    expect(verifyChannelChain([records[0]!, bad, records[2]!], ctx(null))).toMatchObject({ kind: 'rejected', index: 1 });
  });

  it('refuses records a stolen key signed after its revocation, however they are dated', () => {
    const { ann, ben, records, states, step, ctx, revoke } = world();
    step(ann, { name: 'a' });
    revoke(ben, NOW + 10_000);
    // Backdated to before the revocation: the signer's clock proves nothing.
    const late = sign(ben, states[1]!, { name: 'exported', policy: { ...states[1]!.policy, allowExport: true } }, NOW + 5000);
    expect(verifyChannelChain([...records, late], ctx(null, late))).toMatchObject({ kind: 'rejected', reason: 'unendorsed', index: 2 });
    expect(verifyChannelChain([...records, late], ctx(states[1]!, late))).toMatchObject({ kind: 'rejected', reason: 'unendorsed', index: 2 });
  });

  it("keeps history signed by a key revoked since, once a valid signer has extended it (a new member can join)", () => {
    const { ann, ben, records, states, step, ctx, revoke } = world();
    step(ben, { name: 'by Ben' }); // epoch 1, accepted live while Ben's key was valid
    step(ann, { members: [...states[1]!.members, { userId: 'dee', role: 'member' }] }); // epoch 2, Ann extends it
    revoke(ben, NOW + 10_000);
    expect(hash(verifyChannelChain(records, ctx(null, records[2])))).toBe(hashOf(states[2]!));
    // The same history with nothing valid after Ben's record: unendorsed for a new device...
    expect(verifyChannelChain(records.slice(0, 2), ctx(null))).toMatchObject({ kind: 'rejected', reason: 'unendorsed', index: 1 });
    // ...but a device that already held it goes on from there.
    const next = step(ann, { name: 'after' });
    expect(hash(verifyChannelChain(records, ctx(states[1]!, next)))).toBe(hashOf(states[3]!));
  });

  it("an officer's record vouches for nothing; the officer alone may take an unvouched tail, to pause", () => {
    const { org, ann, ben, records, states, step, ctx, revoke } = world();
    org.member('olga', 0, ['security-officer']);
    const olga = org.device('olga', 1);
    step(ben, { name: 'by Ben' }); // epoch 1
    revoke(ben, NOW + 10_000);
    const pause = sign(olga, states[1]!, { status: 'paused' }, NOW + 20_000);
    const withPause = [...records, pause];
    expect(verifyChannelChain(withPause, ctx(null, pause))).toMatchObject({ kind: 'rejected', reason: 'unendorsed', index: 1 });
    const officer = verifyChannelChain(records, { ...ctx(null), unvouched: 'allow' });
    expect(officer).toMatchObject({ kind: 'accepted', unvouchedFrom: 1 });
    expect(hash(officer)).toBe(hashOf(states[1]!));
    // A lead's later change vouches for all of it.
    const lead = sign(ann, decodeChannelState(pause), { status: 'active' }, NOW + 30_000);
    expect(verifyChannelChain([...withPause, lead], ctx(null, lead)).kind).toBe('accepted');
  });

  it('trusts no signing time: a valid chain from signers with bad clocks is taken', () => {
    const { ann, ben, records, step, ctx } = world();
    step(ann, { name: 'tomorrow' }, NOW + 2 * DAY);
    step(ben, { name: 'last year' }, NOW - 300 * DAY);
    expect(verifyChannelChain(records, ctx(null, undefined, NOW)).kind).toBe('accepted');
  });

  it('takes nothing after a wiped state', () => {
    const { ann, records, states, step, ctx } = world();
    step(ann, { status: 'wiped' });
    const after = sign(ann, states[1]!, { status: 'active' }, NOW + 5000);
    expect(verifyChannelChain([...records, after], ctx(null))).toMatchObject({ kind: 'rejected', reason: 'channel-wiped', index: 2 });
  });
});
