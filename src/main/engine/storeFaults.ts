/**
 * libsignal calls our protocol stores from its own code and, when a store call throws, reports
 * only a generic error naming the callback: the original error (SQLITE_BUSY, a disk I/O error) is
 * lost, and the crypto layer can only call the message undecryptable. That would drop and ack a
 * perfectly good delivery because the database was busy for a moment. So the receive path watches
 * the stores of each unit of work: every failure of a store call is remembered here, and when
 * opening a delivery fails, the store's own error decides whether it was bad input or a passing
 * fault (receiveFault.ts).
 */
import { classifyReceiveError } from './receiveFault.ts';

export class StoreFaults {
  private last: unknown = null;
  private failed = false;

  /**
   * Wraps every method of every store in `stores` (in place, on the instances) so that what they
   * throw or reject with is remembered before it goes on to libsignal.
   */
  watch(stores: object): void {
    for (const store of Object.values(stores)) {
      if (typeof store !== 'object' || store === null) continue;
      for (const name of methodNames(store)) {
        const fn = (store as Record<string, unknown>)[name] as (...a: unknown[]) => unknown;
        Object.defineProperty(store, name, {
          configurable: true,
          writable: true,
          value: (...args: unknown[]) => {
            try {
              const r = fn.apply(store, args);
              return r instanceof Promise ? r.catch((e: unknown) => this.fail(e)) : r;
            } catch (e) {
              return this.fail(e);
            }
          },
        });
      }
    }
  }

  /** Forget earlier failures (call before opening the next delivery). */
  clear(): void {
    this.last = null;
    this.failed = false;
  }

  /**
   * What to report for an error that escaped opening a delivery: the store's own error when a store
   * call failed for a reason other than bad input (e.g. SQLITE_BUSY wrapped as "undecryptable"),
   * otherwise the error itself.
   */
  explain(e: unknown): unknown {
    if (this.failed && classifyReceiveError(this.last) !== 'bad-input') return this.last;
    return e;
  }

  private fail(e: unknown): never {
    this.last = e;
    this.failed = true;
    throw e;
  }
}

function methodNames(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = Object.getPrototypeOf(o) as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const n of Object.getOwnPropertyNames(p)) {
      // Plain methods only: reading an accessor could run code.
      if (n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, n)?.value === 'function') names.add(n);
    }
  }
  for (const n of Object.keys(o)) if (typeof Object.getOwnPropertyDescriptor(o, n)?.value === 'function') names.add(n);
  return [...names];
}
