/**
 * What every part of the relay service shares: the store, the trust view (crypto layer), the
 * limits, the log, the clock and the audit log.
 */
import type { Logger } from 'pino';
import type { RelayLimits } from '../RelayLimits.ts';
import type { DeviceAddress, RelayStore } from '../store/RelayStore.ts';
import type { RelayTrust } from '../trust/RelayTrust.ts';

export interface RelayContext {
  readonly store: RelayStore;
  readonly trust: RelayTrust;
  readonly limits: RelayLimits;
  readonly log: Logger;
  now(): number;
  /** Appends to the relay's append-only audit log (never content) and logs the event. */
  audit(event: string, actor: string, subject: string, detail: string): Promise<void>;
  /**
   * Records a refused privileged action: a warning in the log and an audit entry whose detail is
   * the refusal's code (never content). Errors that are not refusals are not recorded here.
   */
  refused(event: string, actor: string, subject: string, error: unknown): Promise<void>;
}

/** A device as a map key. */
export const devKey = (d: DeviceAddress): string => `${d.userId}\u0000${d.deviceId}`;


/** The audit actor of a device. */
export const actorOf = (d: DeviceAddress): string => `${d.userId}:${d.deviceId}`;

export const sameDevice = (a: DeviceAddress, b: DeviceAddress): boolean => a.userId === b.userId && a.deviceId === b.deviceId;
