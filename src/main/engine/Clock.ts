/**
 * Time as the engine sees it. Retention, back-off and wipe deadlines all go through a Clock so that
 * tests can move time by hand and see deletions happen exactly at expiry.
 */
export interface Clock {
  now(): number;
  setTimer(at: number, fn: () => void): Timer;
}

export interface Timer {
  cancel(): void;
}

/** setTimeout caps delays at about 24.8 days; longer waits are chained. */
const MAX_DELAY = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, fn) {
    let handle: ReturnType<typeof setTimeout>;
    const arm = () => {
      const delay = at - Date.now();
      if (delay > MAX_DELAY) handle = setTimeout(arm, MAX_DELAY);
      else handle = setTimeout(fn, Math.max(0, delay));
      handle.unref?.();
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** A clock for tests: time moves only with `advance`, which fires due timers in order. */
export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; seq: number; live: boolean }[] = [];
  private seq = 0;

  constructor(private t = 1_700_000_000_000) {}

  now(): number {
    return this.t;
  }

  setTimer(at: number, fn: () => void): Timer {
    const timer = { at, fn, seq: this.seq++, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.live = false;
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.timers = this.timers.filter((x) => x.live);
    this.t = end;
  }

  pendingTimers(): number {
    return this.timers.filter((x) => x.live).length;
  }
}

/**
 * How far a device's clock may be from the relay's before its user is told, and how far a sender's
 * stated time may lie from this device's receipt before it is clamped.
 */
export const MAX_CLOCK_SKEW_MS = 2 * 60_000;

/** This device's clock against the relay's: `skewed` when further off than the allowed skew. */
export function clockState(offsetMs: number): { offsetMs: number; skewed: boolean } {
  return { offsetMs, skewed: Math.abs(offsetMs) > MAX_CLOCK_SKEW_MS };
}
