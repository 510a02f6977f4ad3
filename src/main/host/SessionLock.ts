/**
 * Browser mode's host-side lock. The page has its own idle lock, but a page can be closed, crashed
 * or frozen (a background tab): then nothing in it runs, and the engine would stay unlocked for
 * anyone who reaches it next. The host locks the engine
 * - when the last page connection closes and none comes back within a short grace (a reload
 *   reconnects well within it), and
 * - when no page has asked anything of its own accord for the idle time set in Settings
 *   (`autoLockMinutes`; 0 never). Calls a page makes by itself on a timer do not count.
 * Clock and timers are injected so the rule is tested without waiting.
 */
import type { ApiService } from './ApiService.ts';

/** Calls the interface makes without anyone at the keyboard (polls, read marks, status). */
const BACKGROUND_METHODS: ReadonlySet<string> = new Set(['status', 'getSettings', 'enrolmentStatus', 'listEnrolmentRequests', 'wipeStatus', 'wipeProgress', 'markRead', 'lock']);

export interface SessionLockOptions {
  /** Locks the engine. */
  lock(): Promise<unknown>;
  /** The idle time in minutes from Settings; rejects while the profile is locked. */
  idleMinutes(): Promise<number>;
  /** How long after the last page connection closed the engine stays unlocked (default 10 s). */
  graceMs?: number;
  /** How often the idle time is checked (default 15 s). */
  checkEveryMs?: number;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export class SessionLock {
  private connections = 0;
  private lastActivity: number;
  private minutes = 10;
  private grace: unknown = null;
  private ticker: unknown = null;
  private readonly t: Required<Pick<SessionLockOptions, 'now' | 'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval'>>;

  constructor(private readonly o: SessionLockOptions) {
    this.t = {
      now: o.now ?? Date.now,
      setTimeout: o.setTimeout ?? ((fn, ms) => setTimeout(fn, ms).unref()),
      clearTimeout: o.clearTimeout ?? ((h) => clearTimeout(h as NodeJS.Timeout)),
      setInterval: o.setInterval ?? ((fn, ms) => setInterval(fn, ms).unref()),
      clearInterval: o.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout)),
    };
    this.lastActivity = this.t.now();
  }

  start(): void {
    this.stop();
    this.ticker = this.t.setInterval(() => void this.check(), this.o.checkEveryMs ?? 15_000);
  }

  stop(): void {
    if (this.ticker !== null) this.t.clearInterval(this.ticker);
    if (this.grace !== null) this.t.clearTimeout(this.grace);
    this.ticker = this.grace = null;
  }

  /** The ApiService as the page transport should see it: calls and connections are counted. */
  guard(service: ApiService): ApiService {
    return {
      call: (method, input) => {
        this.called(method);
        return service.call(method, input);
      },
      // The page transport subscribes once per connection and unsubscribes when it closes.
      onEvent: (listener) => {
        this.opened();
        const off = service.onEvent(listener);
        let closed = false;
        return () => {
          if (closed) return;
          closed = true;
          off();
          this.closed();
        };
      },
    };
  }

  called(method: string): void {
    if (!BACKGROUND_METHODS.has(method)) this.lastActivity = this.t.now();
  }

  opened(): void {
    this.connections++;
    this.lastActivity = this.t.now();
    if (this.grace !== null) this.t.clearTimeout(this.grace);
    this.grace = null;
  }

  closed(): void {
    this.connections = Math.max(0, this.connections - 1);
    if (this.connections > 0 || this.grace !== null) return;
    this.grace = this.t.setTimeout(() => {
      this.grace = null;
      if (this.connections === 0) void this.lockNow();
    }, this.o.graceMs ?? 10_000);
  }

  async check(): Promise<void> {
    try {
      this.minutes = await this.o.idleMinutes();
    } catch {
      return; // locked already, or no profile: nothing to lock
    }
    if (this.minutes <= 0) return;
    if (this.t.now() - this.lastActivity >= this.minutes * 60_000) {
      this.lastActivity = this.t.now();
      await this.lockNow();
    }
  }

  private async lockNow(): Promise<void> {
    await this.o.lock().catch(() => undefined);
  }
}
