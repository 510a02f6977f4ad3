/**
 * Reconnect delays: exponential with "full jitter" (a random delay between 0 and the exponential
 * cap), so that a relay restart does not see every client come back in the same millisecond.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Returns a number in [0, 1); injected for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions = { baseMs: 500, maxMs: 60_000 }) {
    this.random = opts.random ?? Math.random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const cap = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    // Never zero: a tight loop against a dead relay helps nobody.
    return Math.max(this.opts.baseMs / 4, Math.floor(this.random() * cap));
  }

  /** A connection succeeded: start again from the base delay. */
  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
