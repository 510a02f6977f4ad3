import { describe, expect, it } from 'vitest';
import { WipeTracker } from './WipeTracker.ts';

const devices = [
  { userId: 'alice', deviceId: '1', displayName: 'Alice' },
  { userId: 'bob', deviceId: '1', displayName: 'Bob' },
  { userId: 'carol', deviceId: '2', displayName: 'Carol' },
];

describe('WipeTracker', () => {
  it('counts receipts: 2 of 3 with the offline device pending and its last-seen time, then 3 of 3', () => {
    const t = new WipeTracker();
    t.issue('c', 'h', 100, devices);
    expect(t.confirm('c', 'h', 'alice', '1', 110)).toEqual({ confirmed: 1, total: 3 });
    expect(t.confirm('c', 'h', 'bob', '1', 120)).toEqual({ confirmed: 2, total: 3 });
    const s = t.status('c', (u) => (u === 'carol' ? 42 : null))!;
    expect(s.confirmed.map((d) => d.userId)).toEqual(['alice', 'bob']);
    expect(s.pending).toEqual([{ userId: 'carol', deviceId: '2', displayName: 'Carol', lastSeenAt: 42 }]);
    expect(t.confirm('c', 'h', 'carol', '2', 500)).toEqual({ confirmed: 3, total: 3 });
    expect(t.status('c', () => null)!.pending).toEqual([]);
  });

  it('ignores duplicate receipts, receipts for another wipe and receipts from non-members', () => {
    const t = new WipeTracker();
    t.issue('c', 'h', 100, devices);
    t.confirm('c', 'h', 'alice', '1', 110);
    expect(t.confirm('c', 'h', 'alice', '1', 111)).toBeNull();
    expect(t.confirm('c', 'other', 'bob', '1', 111)).toBeNull();
    expect(t.confirm('c', 'h', 'mallory', '9', 111)).toBeNull();
    expect(t.confirm('x', 'h', 'bob', '1', 111)).toBeNull();
    expect(t.status('c', () => null)!.confirmed).toHaveLength(1);
  });

  it('survives a restart through snapshot and restore', () => {
    const t = new WipeTracker();
    t.issue('c', 'h', 100, devices);
    t.confirm('c', 'h', 'bob', '1', 120);
    const t2 = new WipeTracker();
    t2.restore(t.snapshot());
    expect(t2.confirm('c', 'h', 'carol', '2', 130)).toEqual({ confirmed: 2, total: 3 });
  });

  it('finds a wipe by the name the channel had, also after a restart', () => {
    const t = new WipeTracker();
    t.issue('c1', 'h', 100, devices, 'Tariff talks');
    t.issue('c2', 'h', 100, devices, 'Quotas');
    const t2 = new WipeTracker();
    t2.restore(t.snapshot());
    expect(t2.idsNamed('Tariff talks')).toEqual(['c1']);
    expect(t2.idsNamed('Nothing')).toEqual([]);
  });
});
