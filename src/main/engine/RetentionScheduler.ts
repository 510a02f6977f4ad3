/**
 * Runs retention: message lifetimes, burn-after-reading and channel end times (DESIGN.md §5).
 * Deadlines live in the store (they survive restarts); this only makes sure `sweep` runs at the
 * earliest one. `start` sweeps at once, so whatever expired while the app was closed is deleted
 * before anything is shown.
 */
import type { Clock, Timer } from './Clock.ts';

/** Deletes everything due at `now`; returns the next deadline (ms) or null when none is left. */
export type Sweep = (now: number) => number | null;

export class RetentionScheduler {
  private timer: Timer | null = null;
  private armedFor: number | null = null;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly sweep: Sweep,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  /** Sweeps now (synchronously) and arms the timer for the next deadline. */
  start(): void {
    this.running = true;
    this.run();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
    this.armedFor = null;
  }

  /** A new deadline exists (a message arrived, a message was read, a policy changed). */
  schedule(at: number): void {
    if (!this.running) return;
    if (this.armedFor !== null && this.armedFor <= at) return;
    this.arm(at);
  }

  private run(): void {
    if (!this.running) return;
    let next: number | null = null;
    try {
      next = this.sweep(this.clock.now());
    } catch (e) {
      this.onError(e);
      // Try again soon rather than never: a deadline must not be lost to one failed sweep.
      next = this.clock.now() + 1000;
    }
    this.timer?.cancel();
    this.timer = null;
    this.armedFor = null;
    if (next !== null) this.arm(next);
  }

  private arm(at: number): void {
    this.timer?.cancel();
    this.armedFor = at;
    this.timer = this.clock.setTimer(at, () => this.run());
  }
}
