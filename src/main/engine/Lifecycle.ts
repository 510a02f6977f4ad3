/**
 * The life of an enrolled profile once its store is open: the session starts, is closed by a lock,
 * and ends for good when the organisation revokes this device. Lifecycle changes run one at a
 * time (two unlocks at once must not open the database twice).
 *
 * Revocation is where a hostile relay would strike: it can say "revoked" (an AUTH_REVOKED answer,
 * a `closing` push) whenever it likes. Only the organisation's signed revocation of this device or
 * its member erases the profile; the relay's word alone stops the connection and the user is told
 * (connection state `revocation-unproven`), and nothing is erased.
 */
import type { Logger } from 'pino';
import { orgIdentity } from '../../crypto/index.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { Status } from '../../shared/api/schemas.ts';
import type { Clock } from './Clock.ts';
import { ApiError, toApiError } from './errors.ts';
import type { ProfileStore } from './ProfileStore.ts';
import { provesOwnRevocation } from './revocationProof.ts';
import { Session, type MeRecord, type SessionDeps } from './Session.ts';

export type SessionTuning = Partial<Pick<SessionDeps, 'burnGraceMs' | 'sweepEveryMs' | 'catchUpWorkerFrom'>>;

export interface LifecycleDeps {
  profile: ProfileStore;
  clock: Clock;
  log: Logger;
  emit: (e: ApiEvent) => void;
  tuning?: SessionTuning;
  /** Whether screen capture can really be blocked where this engine is shown (EngineOptions). */
  captureProtection?: boolean;
}

export class Lifecycle {
  private current: Session | null = null;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: LifecycleDeps) {}

  /** The unlocked session, or null. */
  get session(): Session | null {
    return this.current;
  }

  /** The unlocked session; LOCKED (or NOT_ENROLLED without a profile) otherwise. */
  need(): Session {
    if (!this.current) throw new ApiError(this.d.profile.meta() ? 'LOCKED' : 'NOT_ENROLLED');
    return this.current;
  }

  /** Runs lifecycle changes one at a time, in order; a failure does not block the next. */
  serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.busy.then(f, f);
    this.busy = next.catch(() => undefined);
    return next;
  }

  status(): Status {
    const profile = this.d.profile;
    const meta = profile.meta();
    const org = profile.store ? profile.org() : null;
    const me = profile.me();
    const session = this.current;
    const state: Status['state'] = !meta ? 'no-profile' : meta.state === 'enrolling' ? 'enrolling' : session ? 'unlocked' : 'locked';
    return {
      state,
      keyProvider: meta?.keyProvider ?? null,
      org: meta ? { name: meta.orgName, local: meta.local, classifications: org?.classifications ?? [] } : null,
      me: me && session ? { userId: me.userId, deviceId: String(me.deviceId), displayName: me.displayName, clearance: me.clearance, orgRoles: me.orgRoles } : null,
      connection: session?.connectionState ?? 'offline',
      captureBlockable: this.d.captureProtection ?? false,
      clock: session?.clockState ?? null,
    };
  }

  /** Starts the session of the open, enrolled profile (it connects to the relay at once). */
  async open(): Promise<void> {
    const profile = this.d.profile;
    const store = profile.need();
    const me = profile.me();
    if (!me) throw new ApiError('NOT_ENROLLED');
    const session = new Session({
      dir: profile.dir,
      store,
      org: profile.org(),
      me,
      identity: await profile.loadIdentity(),
      clock: this.d.clock,
      log: this.d.log,
      emit: this.d.emit,
      onRevoked: (revocation) => this.revocationClaimed(revocation, me),
      ...this.d.tuning,
    });
    this.current = session;
    session.start();
  }

  /** Ends the session and closes the store (keys leave memory). */
  async close(): Promise<void> {
    const s = this.current;
    this.current = null;
    await s?.close();
    this.d.profile.close();
  }

  /** The relay says this device was revoked: true (and the profile is erased) only with proof. */
  revocationClaimed(revocation: Uint8Array, me: MeRecord): boolean {
    const org = this.d.profile.org();
    const proven = provesOwnRevocation(revocation, orgIdentity(org.orgId, org.orgPublicKey), {
      deviceCertificate: new Uint8Array(Buffer.from(me.deviceCertificate, 'hex')),
      memberCertificate: new Uint8Array(Buffer.from(me.memberCertificate, 'hex')),
    });
    if (!proven) {
      this.d.log.warn('the relay said this device was revoked without a revocation signed by the organisation; stopped connecting, nothing erased');
      return false;
    }
    void this.serial(() => this.revoked());
    return true;
  }

  /** The organisation revoked this device: erase the profile and say so. */
  private async revoked(): Promise<void> {
    const s = this.current;
    this.current = null;
    await s?.close().catch(() => undefined);
    for (const e of await this.d.profile.erase()) {
      this.d.log.warn({ err: toApiError(e).toLog() }, 'could not destroy the key provider’s key; the key file is erased anyway');
    }
    this.d.log.warn('device revoked; profile erased');
    this.d.emit({ type: 'connection', state: 'revoked', nextAttemptAt: null });
    this.d.emit({ type: 'locked', reason: 'revoked' });
  }
}
