/** A security officer acting on channels this device is not (or no longer) a member of: listing, pausing, the state to wipe. */
import type { ChannelState, DeviceRef } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import type { ApiResult } from '../../../shared/api/methods.ts';
import type { ChannelSummary } from '../../../shared/api/schemas.ts';
import { ApiError } from '../errors.ts';
import { OrgChannels } from '../OrgChannels.ts';
import { channelView, hex, summaryOf } from '../views.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import type { Publisher } from './Publisher.ts';
import { meView, type SessionContext } from './SessionContext.ts';

export interface OfficerDeps {
  book: ChannelBook;
  directory: Directory;
  publisher: Publisher;
  authenticated: () => RelayClient | null;
}

export class Officer {
  private orgChannelsCache: OrgChannels | null = null;

  constructor(
    private readonly c: SessionContext,
    private readonly d: OfficerDeps,
  ) {}

  get isOfficer(): boolean {
    return this.c.me.orgRoles.includes('security-officer');
  }

  /** A security officer acting on a channel this device is not (or no longer) a member of. */
  actsOn(channelId: string): boolean {
    const e = this.d.book.get(channelId);
    return this.isOfficer && (!e || e.state.status === 'wiped');
  }

  private get orgChannels(): OrgChannels {
    const { directory } = this.d;
    this.orgChannelsCache ??= new OrgChannels({
      relay: () => this.d.authenticated(),
      trust: () => directory.trust,
      now: () => this.c.clock.now(),
      knowAll: (users: readonly string[], signer: DeviceRef) => directory.knowAll(users, signer),
      rejected: (channelId, reason) => this.c.log.warn({ channelId, reason }, 'organisation channel left out: its chain does not verify'),
    });
    return this.orgChannelsCache;
  }

  /** The channel's state as verified from the relay just now. */
  state(channelId: string): Promise<ChannelState> {
    return this.orgChannels.state(channelId);
  }

  forget(channelId: string): void {
    this.orgChannels.forget(channelId);
  }

  async list(): Promise<ApiResult<'listOrgChannels'>> {
    if (!this.isOfficer) throw new ApiError('FORBIDDEN');
    const states = await this.orgChannels.list();
    const channels = states.map((st) => {
      const id = hex(st.channelId);
      const mine = this.d.book.get(id);
      return {
        id,
        name: st.name,
        classification: st.classification,
        status: st.status,
        pausedReason: st.status === 'paused' ? (st.pausedReason ?? null) : null,
        membersCount: st.members.length,
        member: mine !== undefined && mine.state.status !== 'wiped',
        policy: st.policy,
        changedAt: st.signedAtMs,
      };
    });
    return { channels: channels.sort((a, b) => b.classification - a.classification || a.name.localeCompare(b.name)) };
  }

  /** Pause or resume by an officer who is not a member: nothing is kept locally, no channel event. */
  async setPaused(channelId: string, paused: boolean, reason: string | null): Promise<ChannelSummary> {
    const prev = await this.orgChannels.state(channelId);
    const fields = this.d.publisher.nextFields(prev, { status: paused ? 'paused' : 'active', pausedReason: paused && reason ? reason : undefined });
    const state = await this.d.publisher.signAndPublish(fields, prev);
    this.orgChannels.remember(state);
    const view = channelView(state, state.pausedReason ?? null);
    return { ...summaryOf(view, meView(this.c.me), this.c.clock.now(), { unread: 0, lastMessageAt: null }), member: false };
  }
}
