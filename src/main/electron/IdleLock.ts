/**
 * Idle auto-lock: locks the profile after the configured minutes without input anywhere on the
 * system (Electron's powerMonitor idle time), and at once when the screen locks or the machine
 * suspends. Clock and idle source are injected so the rule is tested without Electron.
 */
export interface IdleSource {
  /** Seconds since the last user input on the system. */
  idleSeconds(): number;
}

export interface IdleLockOptions {
  source: IdleSource;
  minutes: () => number;
  lock: (reason: 'idle') => Promise<void> | void;
  setInterval: (fn: () => void, ms: number) => unknown;
  clearInterval: (handle: unknown) => void;
  checkEveryMs?: number;
}

export class IdleLock {
  private handle: unknown = null;
  private locked = false;

  constructor(private readonly o: IdleLockOptions) {}

  start(): void {
    this.stop();
    this.handle = this.o.setInterval(() => void this.check(), this.o.checkEveryMs ?? 15_000);
  }

  stop(): void {
    if (this.handle !== null) this.o.clearInterval(this.handle);
    this.handle = null;
  }

  /** After an unlock: arm again. */
  unlocked(): void {
    this.locked = false;
  }

  async check(): Promise<void> {
    const minutes = this.o.minutes();
    if (this.locked || minutes <= 0) return;
    if (this.o.source.idleSeconds() >= minutes * 60) {
      this.locked = true;
      await this.o.lock('idle');
    }
  }
}
