/**
 * After a revocation or a lowered clearance, the channels concerned move to a new epoch so that
 * what follows is under sender keys the revoked device or removed member never gets: a member no
 * longer valid or cleared is removed, a revoked device's channels are re-keyed (same members, new
 * epoch). One lead device does it at once — the lowest (userId, deviceId) among the channel's valid
 * lead devices —, the others after a delay by rank if no new epoch has arrived by then.
 */
import type { ChannelState, Revocation } from '../../../crypto/index.ts';
import { isCleared } from '../../../shared/model/classification.ts';
import type { Timer } from '../Clock.ts';
import { toApiError } from '../errors.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import type { Publisher } from './Publisher.ts';
import type { SessionContext } from './SessionContext.ts';

export interface RotatorDeps {
  book: ChannelBook;
  directory: Directory;
  publisher: Publisher;
  /** How long each lead device after the designated one waits for the new epoch (ms). */
  stepMs?: number;
}

interface Pending {
  /** The epoch that must be left behind. */
  epoch: number;
  rekey: boolean;
  timer: Timer | null;
  /** A publish under way on this device. */
  running: Promise<void> | null;
  /** Until when a send waits for the new epoch. */
  waitUntil: number;
}

export const ROTATION_STEP_MS = 5_000;

export class Rotator {
  private readonly pending = new Map<string, Pending>();
  private readonly stepMs: number;

  constructor(
    private readonly c: SessionContext,
    private readonly d: RotatorDeps,
  ) {
    this.stepMs = d.stepMs ?? ROTATION_STEP_MS;
  }

  /** An org-signed revocation was accepted: re-key the channels of a revoked device, remove a revoked member. */
  revoked(r: Revocation): void {
    const userId = r.target === 'device' ? this.d.directory.trust.userOf(r) : undefined;
    for (const [id, e] of this.d.book.entries()) {
      if (e.state.status === 'wiped') continue;
      if (userId !== undefined && e.state.members.some((m) => m.userId === userId)) this.plan(id, e.state, true);
    }
    this.certificatesChanged();
  }

  /** Certificates changed (a revocation, a reissued member certificate): members no longer valid or cleared go. */
  certificatesChanged(): void {
    for (const [id, e] of this.d.book.entries()) {
      if (e.state.status === 'wiped') continue;
      if (this.keptMembers(e.state).length !== e.state.members.length) this.plan(id, e.state, false);
    }
  }

  /** Before a send in `channelId`: wait (bounded) for the new epoch a revocation calls for. */
  async beforeSend(channelId: string): Promise<void> {
    for (;;) {
      const p = this.pending.get(channelId);
      const state = this.d.book.get(channelId)?.state;
      if (!p) return;
      if (!state || state.epoch > p.epoch || state.status === 'wiped') {
        if (!p.running && !p.timer) this.pending.delete(channelId);
        return;
      }
      if (p.running) {
        await p.running;
        continue;
      }
      const now = this.c.clock.now();
      if (now >= p.waitUntil) return;
      await new Promise<void>((resolve) => this.c.clock.setTimer(Math.min(p.waitUntil, now + 100), resolve));
    }
  }

  close(): void {
    for (const p of this.pending.values()) p.timer?.cancel();
    this.pending.clear();
  }

  private plan(channelId: string, state: ChannelState, rekey: boolean): void {
    const old = this.pending.get(channelId);
    if (old && old.epoch === state.epoch) {
      old.rekey ||= rekey;
      return;
    }
    old?.timer?.cancel();
    const now = this.c.clock.now();
    const rank = this.rankOf(state);
    const leads = this.leadDevices(state).length;
    const p: Pending = { epoch: state.epoch, rekey, timer: null, running: null, waitUntil: now + this.stepMs * Math.max(1, leads) };
    this.pending.set(channelId, p);
    if (rank === 0) this.run(channelId, p);
    else if (rank > 0) p.timer = this.c.clock.setTimer(now + this.stepMs * rank, () => this.run(channelId, p));
  }

  private run(channelId: string, p: Pending, retryMs = 1_000): void {
    p.timer = null;
    let again = false;
    p.running = this.publish(channelId, p)
      .catch((e: unknown) => {
        const err = toApiError(e);
        // Not connected yet (or the relay is away): try again, the new epoch must not be skipped.
        again = err.code === 'OFFLINE' || err.transient;
        this.c.log.warn({ err: err.toLog() }, again ? 'channel rotation after a revocation waits for the relay' : 'channel rotation after a revocation failed');
      })
      .finally(() => {
        p.running = null;
        if (this.pending.get(channelId) !== p) return;
        if (again) p.timer = this.c.clock.setTimer(this.c.clock.now() + retryMs, () => this.run(channelId, p, Math.min(retryMs * 2, 30_000)));
        else this.pending.delete(channelId);
      });
  }

  private async publish(channelId: string, p: Pending): Promise<void> {
    const e = this.d.book.get(channelId);
    if (!e || e.state.epoch > p.epoch || e.state.status === 'wiped') return;
    const members = this.keptMembers(e.state);
    if (members.length !== e.state.members.length) await this.d.publisher.change(channelId, { members }, () => true);
    else if (p.rekey) await this.d.publisher.change(channelId, {}, () => true);
  }

  /** Members whose member certificate is valid now and cleared for the channel's classification. */
  private keptMembers(state: ChannelState): ChannelState['members'] {
    const view = this.d.directory.trust.view(this.c.clock.now());
    return state.members.filter((m) => {
      const cert = view.member(m.userId);
      return cert !== undefined && isCleared(cert.clearance, state.classification);
    });
  }

  /** Valid devices of the channel's leads and owner, by (userId, deviceId). */
  private leadDevices(state: ChannelState): { userId: string; deviceId: number }[] {
    const now = this.c.clock.now();
    const trust = this.d.directory.trust;
    return this.keptMembers(state)
      .filter((m) => m.role === 'owner' || m.role === 'lead')
      .flatMap((m) => trust.devicesOf(m.userId, now).map((dc) => ({ userId: dc.userId, deviceId: dc.deviceId })))
      .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.deviceId - b.deviceId));
  }

  /** This device's place among the lead devices (-1: not a lead device of the channel). */
  private rankOf(state: ChannelState): number {
    const { userId, deviceId } = this.c.meRef;
    return this.leadDevices(state).findIndex((d) => d.userId === userId && d.deviceId === deviceId);
  }
}
