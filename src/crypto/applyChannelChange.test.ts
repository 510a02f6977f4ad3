import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DAY, NOW, TestOrg, creation, type TestDevice } from '../../test/crypto/fixtures.ts';
import { applyChannelChange, membersClearedFor, type ChannelChangeResult } from './applyChannelChange.ts';
import { nextStateFields, signChannelState, type ChannelState, type ChannelStateFields } from './ChannelState.ts';
import { issueRevocation } from './certificates.ts';

function setup() {
  const org = new TestOrg();
  org.member('lead', 3, ['lead']);
  org.member('alice', 3);
  org.member('bob', 1);
  org.member('so', 0, ['security-officer']);
  org.member('rec', 3, ['records']);
  const lead = org.device('lead', 1);
  const alice = org.device('alice', 1);
  const bob = org.device('bob', 1);
  const so = org.device('so', 1);
  const members: ChannelStateFields['members'] = [
    { userId: 'lead', role: 'owner' },
    { userId: 'alice', role: 'member' },
    { userId: 'bob', role: 'member' },
  ];
  const view = org.trust.view(NOW);
  const first = applyChannelChange(null, creation(lead, members, 1), view);
  if (first.kind !== 'accepted') throw new Error(`creation rejected: ${first.reason}`);
  return { org, lead, alice, bob, so, view, state: first.state };
}

function change(by: TestDevice, prev: ChannelState, c: Parameters<typeof nextStateFields>[3], tweak: Partial<ChannelStateFields> = {}) {
  const fields = { ...nextStateFields(prev, { userId: by.userId, deviceId: by.deviceId }, NOW, c), ...tweak };
  return signChannelState(by.identity.privateKey, fields);
}

function accepted(r: ChannelChangeResult): ChannelState & { rotate: boolean } {
  if (r.kind !== 'accepted') throw new Error(`rejected: ${r.reason}`);
  return { ...r.state, rotate: r.rotateSenderKeys };
}

describe('applyChannelChange', () => {
  it('accepts a creation by a lead who is the owner', () => {
    const { state } = setup();
    expect(state.epoch).toBe(0);
    expect(state.members.map((m) => m.userId)).toEqual(['lead', 'alice', 'bob']);
  });

  it('refuses a creation by someone without the lead role', () => {
    const { alice, view } = setup();
    expect(applyChannelChange(null, creation(alice, [{ userId: 'alice', role: 'owner' }]), view)).toEqual({ kind: 'rejected', reason: 'not-allowed' });
  });

  it('refuses a creation that does not start the chain or does not list the signer as owner', () => {
    const { lead, view, state } = setup();
    expect(applyChannelChange(null, change(lead, state, {}), view)).toEqual({ kind: 'rejected', reason: 'invalid-creation' });
    expect(applyChannelChange(null, creation(lead, [{ userId: 'lead', role: 'member' }, { userId: 'alice', role: 'lead' }]), view))
      .toEqual({ kind: 'rejected', reason: 'invalid-creation' });
  });

  it('lets an owner remove a member and asks for sender-key rotation', () => {
    const { lead, view, state } = setup();
    const next = accepted(applyChannelChange(state, change(lead, state, { members: state.members.filter((m) => m.userId !== 'bob') }), view));
    expect(next.epoch).toBe(1);
    expect(next.rotate).toBe(true);
  });

  it('does not ask for rotation when a member is only added or the name changes', () => {
    const { lead, view, state, org } = setup();
    org.member('carol', 2);
    const added = accepted(applyChannelChange(state, change(lead, state, { members: [...state.members, { userId: 'carol', role: 'member' }] }), view));
    expect(added.rotate).toBe(false);
    const renamed = accepted(applyChannelChange(added, change(lead, added, { name: 'Round 2' }), view));
    expect(renamed.rotate).toBe(false);
    expect(renamed.name).toBe('Round 2');
  });

  it('treats a lead\'s change of nothing but the epoch as a re-key: sender keys rotate; a plain member cannot make it', () => {
    const { lead, alice, view, state } = setup();
    const rekeyed = accepted(applyChannelChange(state, change(lead, state, {}), view));
    expect(rekeyed.epoch).toBe(1);
    expect(rekeyed.members).toEqual(state.members);
    expect(rekeyed.rotate).toBe(true);
    expect(applyChannelChange(rekeyed, change(alice, rekeyed, {}), view)).toEqual({ kind: 'rejected', reason: 'not-allowed' });
    // A pause is not a re-key.
    const paused = accepted(applyChannelChange(rekeyed, change(lead, rekeyed, { status: 'paused' }), view));
    expect(paused.rotate).toBe(false);
  });

  it('refuses a change signed by a plain member', () => {
    const { alice, view, state } = setup();
    expect(applyChannelChange(state, change(alice, state, { name: 'mine now' }), view)).toEqual({ kind: 'rejected', reason: 'not-allowed' });
  });

  it('lets a security officer pause, resume and wipe, but change nothing else', () => {
    const { so, view, state } = setup();
    const paused = accepted(applyChannelChange(state, change(so, state, { status: 'paused' }), view));
    expect(paused.status).toBe('paused');
    const resumed = accepted(applyChannelChange(paused, change(so, paused, { status: 'active' }), view));
    expect(applyChannelChange(resumed, change(so, resumed, { name: 'x' }), view)).toEqual({ kind: 'rejected', reason: 'not-allowed' });
    expect(applyChannelChange(resumed, change(so, resumed, { status: 'paused', members: resumed.members.slice(0, 2) }), view))
      .toEqual({ kind: 'rejected', reason: 'not-allowed' });
    const wiped = accepted(applyChannelChange(resumed, change(so, resumed, { status: 'wiped' }), view));
    expect(wiped.status).toBe('wiped');
  });

  it('lets the officer pause and wipe a channel whose member lost clearance; a lead must remove that member first', () => {
    const { org, lead, so, view, state } = setup();
    org.member('bob', 0); // bob's clearance lowered below the channel's classification (1)
    expect(applyChannelChange(state, change(lead, state, { name: 'renamed' }), view)).toEqual({ kind: 'rejected', reason: 'member-not-cleared' });
    const paused = accepted(applyChannelChange(state, change(so, state, { status: 'paused' }), view));
    expect(paused.status).toBe('paused');
    expect(accepted(applyChannelChange(paused, change(lead, paused, { status: 'wiped' }), view)).status).toBe('wiped');
    // A lead resuming would send to someone no longer cleared: refused until bob is removed.
    expect(applyChannelChange(paused, change(lead, paused, { status: 'active' }), view)).toEqual({ kind: 'rejected', reason: 'member-not-cleared' });
    const removed = accepted(applyChannelChange(paused, change(lead, paused, { members: paused.members.filter((m) => m.userId !== 'bob') }), view));
    expect(removed.rotate).toBe(true);
  });

  it('refuses any change after a wipe', () => {
    const { lead, view, state } = setup();
    const wiped = accepted(applyChannelChange(state, change(lead, state, { status: 'wiped' }), view));
    expect(applyChannelChange(wiped, change(lead, wiped, { status: 'active' }), view)).toEqual({ kind: 'rejected', reason: 'channel-wiped' });
  });

  it('refuses a signed switch to or from off-the-record, whoever signs it', () => {
    const { lead, org, view, state } = setup();
    const toOtr = change(lead, state, { policy: { ...state.policy, recording: 'off-the-record' } });
    expect(applyChannelChange(state, toOtr, view)).toEqual({ kind: 'rejected', reason: 'recording-switch' });
    const otr = accepted(applyChannelChange(null, signChannelState(lead.identity.privateKey, {
      ...state, channelId: new Uint8Array(16).fill(7), policy: { ...state.policy, recording: 'off-the-record' },
    }), view));
    expect(applyChannelChange(otr, change(lead, otr, { policy: { ...otr.policy, recording: 'devices' } }), view)).toEqual({ kind: 'rejected', reason: 'recording-switch' });
    // Between the two recorded modes is a plain policy change.
    org.member('rec2', 3, ['records']);
    const archived = change(lead, state, { policy: { ...state.policy, recording: 'archived' }, members: [...state.members, { userId: 'rec2', role: 'records' }] });
    expect(applyChannelChange(state, archived, view).kind).toBe('accepted');
  });

  it('lets only the security officer lower the classification, not a lead or the owner', () => {
    const { lead, so, view, state } = setup();
    expect(state.classification).toBe(1);
    expect(applyChannelChange(state, change(lead, state, { classification: 0 }), view)).toEqual({ kind: 'rejected', reason: 'classification-lowered' });
    const lowered = accepted(applyChannelChange(state, change(so, state, { classification: 0 }), view));
    expect(lowered.classification).toBe(0);
    // The officer still may not raise it (that changes who may read) nor touch anything else.
    expect(applyChannelChange(lowered, change(so, lowered, { classification: 1 }), view)).toEqual({ kind: 'rejected', reason: 'not-allowed' });
    expect(applyChannelChange(state, change(so, state, { classification: 0, name: 'x' }), view)).toEqual({ kind: 'rejected', reason: 'not-allowed' });
  });

  it('refuses members not cleared for the classification, and raising it must drop them', () => {
    const { lead, view, state } = setup();
    // bob is cleared to 1 only.
    expect(applyChannelChange(state, change(lead, state, { classification: 3 }), view)).toEqual({ kind: 'rejected', reason: 'member-not-cleared' });
    const members = membersClearedFor(state, 3, view);
    expect(members.map((m) => m.userId)).toEqual(['lead', 'alice']);
    const raised = accepted(applyChannelChange(state, change(lead, state, { classification: 3, members }), view));
    expect(raised.rotate).toBe(true);
  });

  it('refuses a member without a certificate, duplicates, and a records role without the records clearance', () => {
    const { lead, view, state } = setup();
    expect(applyChannelChange(state, change(lead, state, { members: [...state.members, { userId: 'ghost', role: 'member' }] }), view))
      .toEqual({ kind: 'rejected', reason: 'member-not-cleared' });
    expect(applyChannelChange(state, change(lead, state, { members: [...state.members, { userId: 'alice', role: 'member' }] }), view))
      .toEqual({ kind: 'rejected', reason: 'invalid-members' });
    expect(applyChannelChange(state, change(lead, state, { members: [...state.members, { userId: 'alice2', role: 'records' }] }), view).kind)
      .toBe('rejected');
    const withRecords = [...state.members, { userId: 'rec', role: 'records' as const }];
    expect(applyChannelChange(state, change(lead, state, { members: withRecords, policy: { ...state.policy, recording: 'archived' } }), view).kind)
      .toBe('accepted');
    // The records office only where the policy says archived, and always there.
    expect(applyChannelChange(state, change(lead, state, { members: withRecords }), view)).toEqual({ kind: 'rejected', reason: 'invalid-members' });
    expect(applyChannelChange(state, change(lead, state, { policy: { ...state.policy, recording: 'archived' } }), view))
      .toEqual({ kind: 'rejected', reason: 'invalid-members' });
    expect(applyChannelChange(state, change(lead, state, { members: [{ userId: 'alice', role: 'member' }] }), view))
      .toEqual({ kind: 'rejected', reason: 'invalid-members' });
  });

  it('refuses a forged change: signed by a key that is not the named device\'s', () => {
    const { org, view, state } = setup();
    const impostor = { ...org.device('mallory', 1), userId: 'lead', deviceId: 1 };
    expect(applyChannelChange(state, change(impostor, state, { name: 'forged' }), view)).toEqual({ kind: 'rejected', reason: 'bad-signature' });
  });

  it('refuses a change from an unknown or revoked device', () => {
    const { org, lead, state } = setup();
    const unknown = { ...lead, deviceId: 9 };
    expect(applyChannelChange(state, change(unknown, state, { name: 'x' }), org.trust.view(NOW))).toEqual({ kind: 'rejected', reason: 'unknown-signer' });
    org.trust.addRevocation(issueRevocation(org.root.privateKey, { orgId: org.orgId, target: 'device', revokedSerial: lead.serial, revokedAtMs: NOW, reason: '' }));
    expect(applyChannelChange(state, change(lead, state, { name: 'x' }), org.trust.view(NOW))).toEqual({ kind: 'rejected', reason: 'unknown-signer' });
    expect(applyChannelChange(state, change(lead, state, { name: 'x' }), org.trust.view(NOW + 400 * DAY)).kind).toBe('rejected');
  });

  it('refuses rollback, replay, gaps and forks', () => {
    const { lead, view, state } = setup();
    const a = change(lead, state, { name: 'A' });
    const s1 = accepted(applyChannelChange(state, a, view));
    // Replaying the same record against the newer state is a rollback.
    expect(applyChannelChange(s1, a, view)).toEqual({ kind: 'rejected', reason: 'rollback' });
    expect(applyChannelChange(s1, change(lead, state, { name: 'old' }, { epoch: 0 }), view)).toEqual({ kind: 'rejected', reason: 'rollback' });
    expect(applyChannelChange(s1, change(lead, s1, {}, { epoch: 3 }), view)).toEqual({ kind: 'rejected', reason: 'epoch-gap' });
    // A sibling of s1 (same epoch, same parent) cannot follow s1: fork.
    const b = change(lead, state, { name: 'B' });
    expect(applyChannelChange(s1, change(lead, s1, {}, { previousHash: accepted(applyChannelChange(state, b, view)).hash }), view))
      .toEqual({ kind: 'rejected', reason: 'fork' });
    expect(applyChannelChange(s1, change(lead, s1, {}, { channelId: new Uint8Array(16).fill(9) }), view))
      .toEqual({ kind: 'rejected', reason: 'wrong-channel' });
  });

  it('refuses malformed bytes', () => {
    const { view, state } = setup();
    expect(applyChannelChange(state, new Uint8Array([0xff, 0xff, 0xff]), view)).toEqual({ kind: 'rejected', reason: 'malformed' });
  });

  it('never accepts a record with any single bit flipped (property)', () => {
    const { lead, view, state } = setup();
    const good = change(lead, state, { name: 'ok' });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length * 8 - 1 }), (bit) => {
        const bad = new Uint8Array(good);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        const r = applyChannelChange(state, bad, view);
        // A flip may only land in signature-free framing that decodes to the same body, never a new state.
        return r.kind === 'rejected' || (r.state.name === 'ok' && r.state.epoch === 1);
      }),
      { numRuns: 300 },
    );
  });

  it('is pure: same inputs, same verdict', () => {
    const { lead, view, state } = setup();
    const rec = change(lead, state, { name: 'same' });
    expect(applyChannelChange(state, rec, view)).toEqual(applyChannelChange(state, rec, view));
  });
});
