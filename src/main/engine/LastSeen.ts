/**
 * When each peer device was last heard from (a wipe's pending list and the channel info show it).
 * Kept in memory and written to the profile at most once a minute per device — every envelope
 * updates it, and a write per envelope would slow a catch-up down — so after a restart it is at
 * most that much behind. Keys are `${userId}/${deviceId}` (Map-like, for the receive path).
 */
export interface LastSeenDisk {
  seen(userId: string, deviceId: string, at: number): void;
  allLastSeen(): { userId: string; deviceId: string; at: number }[];
}

const WRITE_EVERY_MS = 60_000;

export class LastSeen {
  private times: Map<string, number> | null = null;
  private readonly written = new Map<string, number>();

  constructor(
    private readonly disk: () => LastSeenDisk | null,
    private readonly writeEveryMs = WRITE_EVERY_MS,
  ) {}

  get(key: string): number | undefined {
    return this.loaded().get(key);
  }

  set(key: string, at: number): this {
    const times = this.loaded();
    if ((times.get(key) ?? -1) >= at) return this;
    times.set(key, at);
    if (at - (this.written.get(key) ?? -Infinity) >= this.writeEveryMs) this.write(key, at);
    return this;
  }

  /** Writes what is newer than the profile (on close). */
  flush(): void {
    for (const [k, at] of this.times ?? []) if ((this.written.get(k) ?? -1) < at) this.write(k, at);
  }

  private write(key: string, at: number): void {
    const slash = key.lastIndexOf('/');
    try {
      this.disk()?.seen(key.slice(0, slash), key.slice(slash + 1), at);
      this.written.set(key, at);
    } catch {
      // Best effort: a busy or closing profile must not fail the delivery that updated it.
    }
  }

  private loaded(): Map<string, number> {
    if (this.times) return this.times;
    this.times = new Map();
    try {
      for (const r of this.disk()?.allLastSeen() ?? []) {
        this.times.set(`${r.userId}/${r.deviceId}`, r.at);
        this.written.set(`${r.userId}/${r.deviceId}`, r.at);
      }
    } catch {
      // An unreadable table only means no last-seen times are shown.
    }
    return this.times;
  }
}
