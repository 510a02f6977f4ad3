import { describe, expect, it } from 'vitest';
import { ManualClock } from './Clock.ts';
import { RetentionScheduler } from './RetentionScheduler.ts';

/** A tiny store of deadlines standing in for the message table. */
function store() {
  const items = new Map<string, number>();
  const deleted: { id: string; at: number }[] = [];
  const sweep = (now: number) => {
    for (const [id, exp] of items) {
      if (exp > now) continue;
      items.delete(id);
      deleted.push({ id, at: now });
    }
    const rest = [...items.values()];
    return rest.length ? Math.min(...rest) : null;
  };
  return { items, deleted, sweep };
}

describe('RetentionScheduler', () => {
  it('deletes each message exactly at its expiry, including ones added later with earlier deadlines', () => {
    const clock = new ManualClock(0);
    const s = store();
    s.items.set('a', 5000);
    const r = new RetentionScheduler(clock, s.sweep);
    r.start();
    s.items.set('b', 2000);
    r.schedule(2000);
    clock.advance(1999);
    expect(s.deleted).toEqual([]);
    clock.advance(1);
    expect(s.deleted).toEqual([{ id: 'b', at: 2000 }]);
    clock.advance(3000);
    expect(s.deleted).toEqual([
      { id: 'b', at: 2000 },
      { id: 'a', at: 5000 },
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('deletes what expired while the app was closed at start, before returning', () => {
    const clock = new ManualClock(10_000);
    const s = store();
    s.items.set('old', 9_000);
    s.items.set('new', 20_000);
    new RetentionScheduler(clock, s.sweep).start();
    expect(s.deleted.map((d) => d.id)).toEqual(['old']);
    expect(s.items.has('new')).toBe(true);
  });

  it('keeps trying after a failed sweep', () => {
    const clock = new ManualClock(0);
    let fail = true;
    const s = store();
    s.items.set('a', 100);
    const errors: unknown[] = [];
    const flaky = (now: number) => {
      if (fail) {
        fail = false;
        throw new Error('busy');
      }
      return s.sweep(now);
    };
    const r = new RetentionScheduler(clock, flaky, (e) => errors.push(e));
    r.start();
    expect(errors).toHaveLength(1);
    clock.advance(1000);
    expect(s.deleted.map((d) => d.id)).toEqual(['a']);
  });

  it('does nothing after stop', () => {
    const clock = new ManualClock(0);
    const s = store();
    s.items.set('a', 100);
    const r = new RetentionScheduler(clock, s.sweep);
    r.start();
    r.stop();
    clock.advance(1000);
    expect(s.deleted).toEqual([]);
  });
});
