import { describe, expect, it, vi } from 'vitest';
import { IdleLock } from './IdleLock.ts';

function setup(minutes: number) {
  let idle = 0;
  let tick: () => void = () => undefined;
  const lock = vi.fn();
  const l = new IdleLock({
    source: { idleSeconds: () => idle },
    minutes: () => minutes,
    lock,
    setInterval: (fn) => ((tick = fn), 1),
    clearInterval: () => undefined,
  });
  l.start();
  return { lock, setIdle: (s: number) => (idle = s), tick: () => tick(), l };
}

describe('IdleLock', () => {
  it('locks once the configured idle time is reached, and only once until unlocked', async () => {
    const s = setup(10);
    s.setIdle(9 * 60);
    await s.l.check();
    expect(s.lock).not.toHaveBeenCalled();
    s.setIdle(10 * 60);
    await s.l.check();
    await s.l.check();
    expect(s.lock).toHaveBeenCalledTimes(1);
    s.l.unlocked();
    await s.l.check();
    expect(s.lock).toHaveBeenCalledTimes(2);
  });

  it('never locks when auto-lock is off (0 minutes)', async () => {
    const s = setup(0);
    s.setIdle(10_000);
    await s.l.check();
    expect(s.lock).not.toHaveBeenCalled();
  });
});
