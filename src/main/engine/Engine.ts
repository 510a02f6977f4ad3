/**
 * The client engine's composition root (DESIGN.md §3): plain Node, no Electron. It wires the
 * profile on disk (ProfileStore), the session's life (Lifecycle), joining an organisation
 * (Enrolment) and an organisation started on this machine (LocalOrganisation), and implements the
 * one typed API (src/shared/api) for whoever hosts it: the Electron IPC and the browser-mode
 * socket answer frames through `dispatchFrame`, the headless CLI calls `handle`; all listen with
 * `onEvent`.
 */
import pino, { type Logger } from 'pino';
import { RelayClient } from '../../relay/RelayClient.ts';
import type { StartEmbeddedRelay } from '../../relay/EmbeddedRelay.ts';
import { invoke, type ApiHandlers, type ApiImplementation } from '../../shared/api/dispatch.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import { UNLOCKED_NOT_REQUIRED, type ApiInput, type ApiMethod, type ApiResult } from '../../shared/api/methods.ts';
import type { Status } from '../../shared/api/schemas.ts';
import { systemClock, type Clock } from './Clock.ts';
import { Enrolment } from './Enrolment.ts';
import { ApiError, toApiError } from './errors.ts';
import type { KeyProviderOptions } from './keyProviders.ts';
import { Lifecycle } from './Lifecycle.ts';
import { LocalOrganisation } from './LocalOrganisation.ts';
import { relayClientOptions } from './OrgConfig.ts';
import { ProfileStore } from './ProfileStore.ts';
import type { Session } from './Session.ts';

export interface EngineOptions {
  profileDir: string;
  clock?: Clock;
  logger?: Logger;
  keyProviders?: KeyProviderOptions;
  deviceName?: string;
  /** How often enrolment approval is polled while waiting (ms). */
  enrolmentPollMs?: number;
  burnGraceMs?: number;
  sweepEveryMs?: number;
  /** Backlog from which channel messages are decrypted in a worker thread (default 200). */
  catchUpWorkerFrom?: number;
  /** Starts the relay of a local organisation (the server's `startRelay`, passed by the composition root). */
  startRelay: StartEmbeddedRelay;
  /**
   * Whether the window that shows this engine's channels can keep screen captures out (Electron on
   * Windows and macOS). Reported in `status` so that the UI never claims a protection it lacks;
   * false for browser mode, Linux and the CLI.
   */
  captureProtection?: boolean;
}

export class Engine implements ApiImplementation {
  private readonly log: Logger;
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private readonly profile: ProfileStore;
  private readonly lifecycle: Lifecycle;
  private readonly enrolment: Enrolment;
  private readonly local: LocalOrganisation;
  private readonly handlers: ApiHandlers;

  constructor(o: EngineOptions) {
    const clock = o.clock ?? systemClock;
    const log = (this.log = o.logger ?? pino({ level: 'silent' }));
    const profile = (this.profile = new ProfileStore(o.profileDir, o.keyProviders));
    const lifecycle = (this.lifecycle = new Lifecycle({
      profile,
      clock,
      log,
      emit: this.emit,
      captureProtection: o.captureProtection ?? false,
      tuning: {
        ...(o.burnGraceMs !== undefined ? { burnGraceMs: o.burnGraceMs } : {}),
        ...(o.sweepEveryMs !== undefined ? { sweepEveryMs: o.sweepEveryMs } : {}),
        ...(o.catchUpWorkerFrom !== undefined ? { catchUpWorkerFrom: o.catchUpWorkerFrom } : {}),
      },
    }));
    this.enrolment = new Enrolment({
      profile,
      clock,
      log,
      emit: this.emit,
      connect: (org) => RelayClient.connect(org.relayUrl, relayClientOptions(org)),
      serial: (f) => lifecycle.serial(f),
      opened: () => lifecycle.open(),
      sessionOpen: () => lifecycle.session !== null,
      ...(o.deviceName !== undefined ? { deviceName: o.deviceName } : {}),
      ...(o.enrolmentPollMs !== undefined ? { pollMs: o.enrolmentPollMs } : {}),
    });
    this.local = new LocalOrganisation({ profile, clock, log, enrolment: this.enrolment, status: () => lifecycle.status(), startRelay: o.startRelay });
    this.handlers = this.buildHandlers();
  }

  /**
   * The typed API: one call whose input has been validated (by `dispatchFrame` or `handle`).
   * Everything thrown is an ApiError with a user-facing message.
   */
  async call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResult<M>> {
    try {
      if (!UNLOCKED_NOT_REQUIRED.has(method)) this.lifecycle.need();
      return await (this.handlers[method] as (i: ApiInput<M>) => Promise<ApiResult<M>>)(input);
    } catch (e) {
      const err = toApiError(e);
      this.log.info({ method, err: err.toLog() }, 'api call failed');
      throw err;
    }
  }

  /** Validates an untyped call (the CLI, tests) against the contract and runs it; throws ApiError. */
  handle(method: string, params: unknown): Promise<unknown> {
    return invoke(this, method, params);
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The unlocked session (tests, benchmarks and the CLI wait on it). */
  get current(): Session | null {
    return this.lifecycle.session;
  }

  async close(): Promise<void> {
    this.enrolment.stop();
    await this.lifecycle.close();
    await this.local.stopRelay();
  }

  private emit = (e: ApiEvent): void => {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.warn({ err: toApiError(err).toLog() }, 'event listener failed');
      }
    }
  };

  private async unlock(passphrase: string | undefined): Promise<Status> {
    if (this.profile.store) return this.lifecycle.status();
    await this.profile.unlock(passphrase);
    const meta = this.profile.meta()!;
    if (meta.local) await this.local.startRelay();
    if (meta.state === 'enrolling') this.enrolment.watch();
    else await this.lifecycle.open();
    return this.lifecycle.status();
  }

  private async lock(reason: 'user' | 'idle'): Promise<void> {
    await this.close();
    this.emit({ type: 'locked', reason });
  }

  private buildHandlers(): ApiHandlers {
    const s = () => this.lifecycle.need();
    const serial = <T>(f: () => Promise<T>) => this.lifecycle.serial(f);
    return {
      status: () => Promise.resolve(this.lifecycle.status()),
      unlock: (i) => serial(() => this.unlock(i.passphrase)),
      lock: () => serial(() => this.lock('user')).then(() => ({ ok: true as const })),
      joinOrganisation: (i) => serial(() => this.enrolment.join(i)),
      enrolmentStatus: () => Promise.resolve(this.enrolment.status()),
      startLocalOrganisation: (i) => serial(() => this.local.start(i)),
      listEnrolmentRequests: async () => ({ requests: await this.local.officer(s()).pending() }),
      approveEnrolment: async (i) => {
        const r = await this.local.officer(s()).approve(i.requestId, i.comparisonCode, { clearance: i.clearance, roles: i.roles });
        return { userId: r.userId, deviceId: String(r.deviceId) };
      },
      listChannels: () => Promise.resolve(s().listChannels()),
      channelDetails: (i) => s().channelDetails(i.channelId),
      listMessages: (i) => Promise.resolve(s().listMessages(i)),
      send: (i) => Promise.resolve(s().send(i)),
      markRead: (i) => Promise.resolve(s().markRead(i)),
      search: (i) => Promise.resolve(s().search(i)),
      listCleared: (i) => Promise.resolve(s().listCleared(i.classification)),
      createChannel: (i) => s().createChannel(i),
      changeMembers: (i) => s().changeMembers(i),
      changePolicy: (i) => s().changePolicy(i),
      changeClassification: (i) => s().changeClassification(i),
      listOrgChannels: () => s().listOrgChannels(),
      pause: (i) => s().setPaused(i.channelId, true, i.reason),
      resume: (i) => s().setPaused(i.channelId, false, null),
      wipe: (i) => s().wipe(i),
      wipeStatus: (i) => Promise.resolve(s().wipeStatus(i.channelId)),
      verifySafetyNumber: (i) => s().verifySafetyNumber(i),
      export: (i) => Promise.resolve(s().exportChannel(i)),
      getSettings: () => Promise.resolve(this.profile.settings()),
      setSettings: (i) => {
        if (!this.profile.store) return Promise.reject(new ApiError('LOCKED'));
        return Promise.resolve(this.profile.setSettings(i));
      },
    };
  }
}
