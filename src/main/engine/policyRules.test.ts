import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type ChannelPolicy } from '../../shared/model/policy.ts';
import type { Person } from '../../shared/api/schemas.ts';
import {
  capabilities,
  checkCleared,
  checkExport,
  checkSend,
  lifetimeExpiry,
  mayCreateChannel,
  notificationBody,
  shownSentAt,
  splitByClearance,
  withRecordsMember,
  type ChannelView,
  type Me,
} from './policyRules.ts';

const alice: Me = { userId: 'alice', clearance: 3, orgRoles: ['lead'] };
const bob: Me = { userId: 'bob', clearance: 2, orgRoles: ['delegate'] };
const officer: Me = { userId: 'sec', clearance: 3, orgRoles: ['security-officer'] };

function channel(over: Partial<ChannelView> = {}, policy: Partial<ChannelPolicy> = {}): ChannelView {
  return {
    id: 'c1',
    name: 'Talks',
    classification: 2,
    policy: { ...DEFAULT_POLICY, ...policy },
    members: [
      { userId: 'alice', role: 'owner' },
      { userId: 'bob', role: 'member' },
    ],
    status: 'active',
    pausedReason: null,
    direct: false,
    ...over,
  };
}

const code = (f: () => void) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('policy rules', () => {
  it('pause blocks every member from sending and tells why', () => {
    const ch = channel({ status: 'paused', pausedReason: 'leak suspected' });
    expect(code(() => checkSend(ch, alice, 0))).toBe('CHANNEL_PAUSED');
    expect(code(() => checkSend(ch, bob, 0))).toBe('CHANNEL_PAUSED');
    try {
      checkSend(ch, bob, 0);
    } catch (e) {
      expect((e as Error).message).toContain('leak suspected');
    }
    expect(capabilities(ch, bob, 0).send).toBe(false);
  });

  it('refuses sending in wiped or ended channels, by non-members and by the records office', () => {
    expect(code(() => checkSend(channel({ status: 'wiped' }), alice, 0))).toBe('CHANNEL_WIPED');
    expect(code(() => checkSend(channel({}, { endsAtMs: 100 }), alice, 100))).toBe('CHANNEL_WIPED');
    expect(code(() => checkSend(channel({}, { endsAtMs: 100 }), alice, 99))).toBe('ok');
    expect(code(() => checkSend(channel(), officer, 0))).toBe('NOT_FOUND');
    const archived = channel({ members: [...channel().members, { userId: 'rec', role: 'records' }] });
    expect(code(() => checkSend(archived, { userId: 'rec', clearance: 3, orgRoles: ['records'] }, 0))).toBe('FORBIDDEN');
  });

  it('refuses attachments and export unless the policy allows them; never export off the record', () => {
    expect(code(() => checkSend(channel(), bob, 0, 1))).toBe('POLICY_REFUSED');
    expect(code(() => checkSend(channel({}, { allowAttachments: true }), bob, 0, 1))).toBe('ok');
    expect(code(() => checkExport(channel()))).toBe('POLICY_REFUSED');
    expect(code(() => checkExport(channel({}, { allowExport: true })))).toBe('ok');
    expect(code(() => checkExport(channel({}, { allowExport: true, recording: 'off-the-record' })))).toBe('POLICY_REFUSED');
  });

  it('lets owners and leads manage, and security officers pause or wipe any channel', () => {
    expect(capabilities(channel(), alice, 0)).toMatchObject({ manage: true, pause: true, wipe: true });
    expect(capabilities(channel(), bob, 0)).toMatchObject({ manage: false, pause: false, wipe: false, send: true });
    expect(capabilities(channel(), officer, 0)).toMatchObject({ manage: false, pause: true, wipe: true, send: false });
    expect(capabilities(channel({}, { recording: 'off-the-record', allowCopy: true }), bob, 0).copy).toBe(false);
  });

  it('only leads create channels', () => {
    expect(mayCreateChannel(bob)).toBe(false);
    expect(mayCreateChannel(alice)).toBe(true);
    expect(mayCreateChannel(officer)).toBe(false);
  });

  it('refuses uncleared or unknown people and removes them when the classification rises', () => {
    const people = new Map<string, Person>([
      ['alice', { userId: 'alice', displayName: 'A', clearance: 3, orgRoles: ['lead'] }],
      ['bob', { userId: 'bob', displayName: 'B', clearance: 2, orgRoles: ['delegate'] }],
    ]);
    expect(code(() => checkCleared(['alice', 'bob'], people, 3))).toBe('NOT_CLEARED');
    expect(code(() => checkCleared(['alice', 'mallory'], people, 0))).toBe('NOT_CLEARED');
    expect(code(() => checkCleared(['alice', 'bob'], people, 2))).toBe('ok');
    expect(splitByClearance(channel().members, people, 3)).toEqual({ kept: [{ userId: 'alice', role: 'owner' }], removed: ['bob'] });
  });

  it('adds the records office to archived channels only', () => {
    const archived = { ...DEFAULT_POLICY, recording: 'archived' as const };
    expect(withRecordsMember(channel().members, archived, 'rec')).toContainEqual({ userId: 'rec', role: 'records' });
    const back = withRecordsMember([...channel().members, { userId: 'rec', role: 'records' }], DEFAULT_POLICY, 'rec');
    expect(back.map((m) => m.userId)).toEqual(['alice', 'bob']);
    expect(code(() => withRecordsMember([], archived, null))).toBe('POLICY_REFUSED');
  });

  it('computes lifetimes and keeps content out of off-the-record notifications', () => {
    expect(lifetimeExpiry({ ...DEFAULT_POLICY, messageLifetimeMs: 1000 }, 5)).toBe(1005);
    expect(lifetimeExpiry(DEFAULT_POLICY, 5)).toBeNull();
    const otr = { ...DEFAULT_POLICY, recording: 'off-the-record' as const };
    expect(notificationBody(otr, 'content', 'Bob', 'the offer is 40')).not.toContain('40');
    expect(notificationBody(DEFAULT_POLICY, 'content', 'Bob', 'the offer is 40')).toContain('40');
    expect(notificationBody(DEFAULT_POLICY, 'none', 'Bob', 'x')).toBeNull();
  });

  it('shows a sent time within the allowed skew of the relay\'s stamp and of receipt', () => {
    const skew = 2 * 60_000;
    const relay = 1_700_000_000_000;
    const receipt = relay + 1000;
    expect(shownSentAt(relay - 500, receipt, relay)).toBe(relay - 500); // honest: as stated
    expect(shownSentAt(relay - 10 * 60_000, receipt, relay)).toBe(relay - skew); // backdated: clamped up
    expect(shownSentAt(relay + 10 * 60_000, receipt, relay)).toBe(receipt + skew); // future: clamped down
    expect(shownSentAt(-1, receipt, relay)).toBe(receipt);
    // A relay stamping the future lifts a message no later than receipt plus the skew.
    expect(shownSentAt(relay - 500, receipt, relay + 60 * 60_000)).toBe(receipt + skew);
    // An older relay sends no stamp (0 on the wire): only the upper bound, as before.
    expect(shownSentAt(relay - 10 * 60_000, receipt)).toBe(relay - 10 * 60_000);
    expect(shownSentAt(relay - 10 * 60_000, receipt, 0)).toBe(relay - 10 * 60_000);
  });
});
