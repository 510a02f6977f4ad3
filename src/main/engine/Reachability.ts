/**
 * Member devices a message could not be encrypted for: the device has not published prekeys yet
 * (enrolled but never online), or the relay does not know the user. Such a device is marked
 * "unreachable" on that message and the others still get it, so nothing waits in the outbox for a
 * device that may never appear. Asking the relay again is rate-limited: fetching a user's prekeys
 * consumes one-time prekeys of that user's other devices too.
 */
const UNREACHABLE_CODES = new Set(['NO_PREKEYS', 'NO_SESSION', 'UNKNOWN_USER']);

/** The failure says this device cannot be reached now (as opposed to the relay or the connection failing). */
export function isUnreachable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

export class Reachability {
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly retryAfterMs = 10_000) {}

  /** Whether to try setting up a session with this device now. */
  shouldTry(device: string, now: number): boolean {
    const at = this.failedAt.get(device);
    return at === undefined || now - at >= this.retryAfterMs;
  }

  failed(device: string, now: number): void {
    this.failedAt.set(device, now);
  }

  reached(device: string): void {
    this.failedAt.delete(device);
  }
}
