import { describe, expect, it } from 'vitest';
import { DAY, NOW, TestOrg, creation, type TestDevice } from '../../test/crypto/fixtures.ts';
import { applyChannelChange, verifyChannelChain } from './applyChannelChange.ts';
import { nextStateFields, signChannelState, type ChannelState } from './ChannelState.ts';
import { issueRevocation } from './certificates.ts';

function chain() {
  const org = new TestOrg();
  org.member('lead', 2, ['lead']);
  org.member('alice', 2);
  org.member('bob', 2);
  const lead = org.device('lead', 1);
  const records: Uint8Array[] = [creation(lead, [{ userId: 'lead', role: 'owner' }, { userId: 'alice', role: 'member' }])];
  let state = accept(null, records[0]!, org);
  const step = (by: TestDevice, at: number, c: Parameters<typeof nextStateFields>[3]) => {
    const rec = signChannelState(by.identity.privateKey, nextStateFields(state, by, at, c));
    state = accept(state, rec, org, at);
    records.push(rec);
  };
  step(lead, NOW + 1000, { name: 'Round 2' });
  step(lead, NOW + 2000, { members: [...state.members, { userId: 'bob', role: 'member' }] });
  return { org, lead, records, head: state };
}

function accept(prev: ChannelState | null, rec: Uint8Array, org: TestOrg, at = NOW): ChannelState {
  const r = applyChannelChange(prev, rec, org.trust.view(at));
  if (r.kind !== 'accepted') throw new Error(r.reason);
  return r.state;
}

describe('verifyChannelChain', () => {
  it('gives a member added later the current state, verified from creation', () => {
    const { org, records, head } = chain();
    // Bob, added at epoch 2, cannot take that record alone: it is not a creation.
    expect(applyChannelChange(null, records[2]!, org.trust.view(NOW + 3000))).toEqual({ kind: 'rejected', reason: 'invalid-creation' });
    const r = verifyChannelChain(records, (t) => org.trust.viewAt(t), NOW + 3000);
    expect(r.kind).toBe('accepted');
    if (r.kind === 'accepted') {
      expect(r.state.epoch).toBe(2);
      expect(Buffer.from(r.state.hash).equals(Buffer.from(head.hash))).toBe(true);
    }
  });

  it('still verifies history signed by a device revoked since, but not a change signed after the revocation', () => {
    const { org, lead, records } = chain();
    org.trust.addRevocation(issueRevocation(org.root.privateKey, { orgId: org.orgId, target: 'device', revokedSerial: lead.serial, revokedAtMs: NOW + 2500, reason: 'lost' }));
    expect(verifyChannelChain(records, (t) => org.trust.viewAt(t), NOW + DAY).kind).toBe('accepted');
    const head = verifyChannelChain(records, (t) => org.trust.viewAt(t), NOW + DAY);
    if (head.kind !== 'accepted') throw new Error();
    const late = signChannelState(lead.identity.privateKey, nextStateFields(head.state, lead, NOW + 3000, { name: 'stolen key' }));
    expect(verifyChannelChain([...records, late], (t) => org.trust.viewAt(t), NOW + DAY)).toMatchObject({ kind: 'rejected', reason: 'unknown-signer', index: 3 });
  });

  it('refuses reordered, truncated-at-start, tampered, backdated and future chains', () => {
    const { org, lead, records, head } = chain();
    const at = (t: number) => org.trust.viewAt(t);
    expect(verifyChannelChain([records[0]!, records[2]!, records[1]!], at, NOW + DAY)).toMatchObject({ kind: 'rejected', index: 1 });
    expect(verifyChannelChain(records.slice(1), at, NOW + DAY)).toMatchObject({ kind: 'rejected', reason: 'invalid-creation', index: 0 });
    const bad = new Uint8Array(records[1]!);
    bad[10]! ^= 1;
    expect(verifyChannelChain([records[0]!, bad, records[2]!], at, NOW + DAY)).toMatchObject({ kind: 'rejected', index: 1 });
    const backdated = signChannelState(lead.identity.privateKey, nextStateFields(head, lead, NOW + 500, { name: 'earlier?' }));
    expect(verifyChannelChain([...records, backdated], at, NOW + DAY)).toMatchObject({ kind: 'rejected', reason: 'rollback', index: 3 });
    const future = signChannelState(lead.identity.privateKey, nextStateFields(head, lead, NOW + DAY, { name: 'tomorrow' }));
    expect(verifyChannelChain([...records, future], at, NOW + 3000)).toMatchObject({ kind: 'rejected', reason: 'rollback', index: 3 });
    expect(verifyChannelChain([], at, NOW)).toMatchObject({ kind: 'rejected', reason: 'invalid-creation' });
  });
});
