import { describe, expect, it, vi } from 'vitest';
import { SessionLock } from './SessionLock.ts';

function harness(minutes = 10) {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  const lock = vi.fn(async () => undefined);
  const s = new SessionLock({
    lock,
    idleMinutes: async () => minutes,
    graceMs: 10_000,
    now: () => now,
    setTimeout: (fn, ms) => (timers.push({ at: now + ms, fn, id: ++ids }), ids),
    clearTimeout: (id) => timers.splice(timers.findIndex((t) => t.id === id) >>> 0, 1),
    setInterval: () => 0,
    clearInterval: () => undefined,
  });
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((x) => x.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return { s, lock, advance };
}

describe('SessionLock', () => {
  it('locks 10 s after the last connection closed, not when a reload reconnects in time', () => {
    const { s, lock, advance } = harness();
    s.opened();
    s.closed();
    advance(5_000);
    s.opened();
    advance(20_000);
    expect(lock).not.toHaveBeenCalled();
    s.closed();
    advance(9_999);
    expect(lock).not.toHaveBeenCalled();
    advance(1);
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('locks after the idle minutes without a call of the user, whatever the page polls', async () => {
    const { s, lock, advance } = harness(10);
    s.opened();
    for (let i = 0; i < 10; i++) {
      advance(60_000);
      s.called('listEnrolmentRequests');
      s.called('status');
      await s.check();
    }
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('keeps a working user unlocked, and never locks when Settings say 0', async () => {
    const busy = harness(10);
    busy.s.opened();
    for (let i = 0; i < 30; i++) {
      busy.advance(60_000);
      busy.s.called('send');
      await busy.s.check();
    }
    expect(busy.lock).not.toHaveBeenCalled();
    const never = harness(0);
    never.s.opened();
    never.advance(24 * 3_600_000);
    await never.s.check();
    expect(never.lock).not.toHaveBeenCalled();
  });
});
