/**
 * The relay service (DESIGN.md §7), composed of parts with one job each (relay/): the Directory
 * (certificates, revocations, authentication, prekeys), Enrolments, Channels (signed state, chain,
 * wipes), the EnvelopeRouter and the FanOut to device queues. Protocol framing lives in
 * RelayConnection; durable state in a RelayStore; every signature check in RelayTrust (the crypto
 * layer). Refusals are RelayErrors.
 */
import type { Logger } from 'pino';
import { RelayError } from '../relay/errors.ts';
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

export class Relay implements RelayContext {
  readonly fanOut: FanOut;
  readonly directory: Directory;
  readonly enrolments: Enrolments;
  readonly channels: Channels;
  readonly router: EnvelopeRouter;

  constructor(
    readonly store: RelayStore,
    readonly trust: RelayTrust,
    readonly limits: RelayLimits,
    readonly log: Logger,
    readonly now: () => number = Date.now,
  ) {
    this.fanOut = new FanOut(this);
    this.directory = new Directory(this, this.fanOut);
    this.enrolments = new Enrolments(this, this.directory);
    this.channels = new Channels(this, this.directory, this.fanOut);
    this.router = new EnvelopeRouter(this, this.directory, this.channels, this.fanOut);
  }

  async init(): Promise<void> {
    // The directory first, so that channel changes are judged with the trust view complete.
    await this.directory.init();
    await this.channels.init();
  }

  async expire(): Promise<number> {
    return this.store.expire(this.now());
  }

  async audit(event: string, actor: string, subject: string, detail: string): Promise<void> {
    await this.store.appendAudit({ atMs: this.now(), event, actor, subject, detail });
    this.log.info({ audit: event, actor, subject }, 'audit');
  }

  async refused(event: string, actor: string, subject: string, error: unknown): Promise<void> {
    if (!(error instanceof RelayError)) return;
    this.log.warn({ refused: event, actor, subject, code: error.code }, 'refused');
    await this.store.appendAudit({ atMs: this.now(), event, actor, subject, detail: error.code });
  }
}
