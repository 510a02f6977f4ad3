/**
 * The relay service (DESIGN.md §7), composed of parts with one job each (relay/): the Directory
 * (certificates, revocations, authentication, prekeys), Enrolments, Channels (signed state, chain,
 * wipes), the EnvelopeRouter and the FanOut to device queues. Protocol framing lives in
 * RelayConnection; durable state in a RelayStore; every signature check in RelayTrust (the crypto
 * layer). Refusals are RelayErrors.
 */
import type { Logger } from 'pino';
import { RelayError } from '../relay/errors.ts';
import type { BlobStore } from './blobs/BlobStore.ts';
import { Blobs } from './relay/Blobs.ts';
import { Channels } from './relay/Channels.ts';
import { Directory } from './relay/Directory.ts';
import { Enrolments } from './relay/Enrolments.ts';
import { EnvelopeRouter } from './relay/EnvelopeRouter.ts';
import { FanOut } from './relay/FanOut.ts';
import type { RelayContext } from './relay/RelayContext.ts';
import type { RelayLimits } from './RelayLimits.ts';
import type { RelayStore } from './store/RelayStore.ts';
import type { RelayTrust } from './trust/RelayTrust.ts';

export { DEFAULT_LIMITS, type RelayLimits } from './RelayLimits.ts';
export type { DeviceSink } from './relay/FanOut.ts';
export type { EnrolmentWaiter } from './relay/Enrolments.ts';

/** At most one audit entry per kind of refusal and actor in this time (README "Administration"). */
export const REFUSAL_AUDIT_EVERY_MS = 10_000;

export class Relay implements RelayContext {
  private readonly lastRefusals = new Map<string, { atMs: number; more: number }>();
  readonly fanOut: FanOut;
  readonly directory: Directory;
  readonly enrolments: Enrolments;
  readonly channels: Channels;
  readonly router: EnvelopeRouter;
  readonly blobs: Blobs;

  constructor(
    readonly store: RelayStore,
    readonly trust: RelayTrust,
    readonly limits: RelayLimits,
    readonly log: Logger,
    readonly now: () => number = Date.now,
    /** Where attachment blobs live; without one, blob requests are refused (BLOB_UNAVAILABLE). */
    blobStore: BlobStore | null = null,
  ) {
    this.fanOut = new FanOut(this);
    this.directory = new Directory(this, this.fanOut);
    this.enrolments = new Enrolments(this, this.directory);
    this.channels = new Channels(this, this.directory, this.fanOut);
    this.router = new EnvelopeRouter(this, this.directory, this.channels, this.fanOut);
    this.blobs = new Blobs(this, this.directory, this.channels, blobStore);
    this.channels.watch(this.blobs);
  }

  async init(): Promise<void> {
    // The directory first, so that channel changes are judged with the trust view complete.
    await this.directory.init();
    await this.channels.init();
  }

  /** The sweeper's work: expired queue items, then expired blobs and abandoned uploads. */
  async expire(): Promise<number> {
    const items = await this.store.expire(this.now());
    return items + (await this.blobs.sweep());
  }

  async audit(event: string, actor: string, subject: string, detail: string): Promise<void> {
    await this.store.appendAudit({ atMs: this.now(), event, actor, subject, detail });
    this.log.info({ audit: event, actor, subject }, 'audit');
  }

  /**
   * Every refusal is logged; the audit log takes one entry per actor, event, subject and code
   * each `REFUSAL_AUDIT_EVERY_MS`, with how many more there were since, so that a device
   * repeating a refused request cannot flood the officer's audit log.
   */
  async refused(event: string, actor: string, subject: string, error: unknown): Promise<void> {
    if (!(error instanceof RelayError)) return;
    this.log.warn({ refused: event, actor, subject, code: error.code, ...(error.reason ? { reason: error.reason } : {}) }, 'refused');
    const now = this.now();
    // The code with its reason: a pause by a member who may not pause reads "CHANNEL_CHANGE_REFUSED: not-allowed".
    const what = error.reason ? `${error.code}: ${error.reason}` : error.code;
    const k = `${event}\u0000${actor}\u0000${subject}\u0000${what}`;
    const last = this.lastRefusals.get(k);
    if (last && now - last.atMs < REFUSAL_AUDIT_EVERY_MS) {
      last.more++;
      return;
    }
    if (this.lastRefusals.size > 10_000) this.lastRefusals.clear();
    this.lastRefusals.set(k, { atMs: now, more: 0 });
    const detail = last?.more ? `${what} (${last.more} more since the last entry)` : what;
    await this.store.appendAudit({ atMs: now, event, actor, subject, detail });
  }
}
