import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './Clock.ts';

describe('ManualClock', () => {
  it('fires timers in time order as time advances, and not cancelled ones', () => {
    const c = new ManualClock(0);
    const fired: string[] = [];
    c.setTimer(30, () => fired.push('b@' + c.now()));
    c.setTimer(10, () => fired.push('a@' + c.now()));
    c.setTimer(20, () => fired.push('x')).cancel();
    c.advance(25);
    expect(fired).toEqual(['a@10']);
    c.advance(5);
    expect(fired).toEqual(['a@10', 'b@30']);
    expect(c.pendingTimers()).toBe(0);
  });
});

describe('systemClock', () => {
  it('fires a timer at its time', async () => {
    const start = Date.now();
    const at = await new Promise<number>((resolve) => systemClock.setTimer(start + 30, () => resolve(Date.now())));
    expect(at - start).toBeGreaterThanOrEqual(25);
  });
});
