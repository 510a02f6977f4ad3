/** What a member (or an officer) does to a channel: create it, change members, policy or classification, pause, wipe. */
import { randomBytes } from 'node:crypto';
import { signWipeCommand, verifyWipeCommand } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import type { ApiInput, ApiResult } from '../../../shared/api/methods.ts';
import type { ChannelDetails, ChannelSummary } from '../../../shared/api/schemas.ts';
import { normalisePolicy, type ChannelPolicy } from '../../../shared/model/policy.ts';
import { ApiError } from '../errors.ts';
import { checkCleared, mayCreateChannel, mayManage, mayPauseOrWipe, splitByClearance, withRecordsMember, type ChannelMember } from '../policyRules.ts';
import { channelView, hex } from '../views.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import type { Officer } from './Officer.ts';
import type { Publisher } from './Publisher.ts';
import { meView, type SessionContext } from './SessionContext.ts';
import type { Wipes } from './Wipes.ts';
import { comparableName } from '../../../shared/model/safeText.ts';

export interface ChannelCommandsDeps {
  book: ChannelBook;
  directory: Directory;
  publisher: Publisher;
  officer: Officer;
  wipes: Wipes;
  relay: () => RelayClient | null;
  summary: (channelId: string) => ChannelSummary;
  details: (channelId: string) => Promise<ChannelDetails>;
  /** I wiped a channel I am a member of: shred it here too. */
  wipedHere: (channelId: string) => void;
}

export class ChannelCommands {
  constructor(
    private readonly c: SessionContext,
    private readonly d: ChannelCommandsDeps,
  ) {}

  async createChannel(input: ApiInput<'createChannel'>): Promise<ChannelSummary> {
    const { me, org, clock } = this.c;
    if (!mayCreateChannel(meView(me))) throw new ApiError('FORBIDDEN');
    const people = await this.d.directory.peopleIncluding(input.memberUserIds, this.d.relay());
    const others = [...new Set(input.memberUserIds)].filter((u) => u !== me.userId);
    checkCleared([me.userId, ...others], people, input.classification);
    const policy = normalisePolicy(input.policy as ChannelPolicy);
    const members: ChannelMember[] = withRecordsMember(
      [{ userId: me.userId, role: 'owner' }, ...others.map((u) => ({ userId: u, role: 'member' as const }))],
      policy,
      org.recordsUserId,
    );
    const name = input.direct ? `@${[me.displayName, ...others.map((u) => people.get(u)?.displayName ?? u)].join(', ')}` : input.name;
    const state = await this.d.publisher.publish(
      {
        channelId: randomBytes(16),
        epoch: 0,
        previousHash: new Uint8Array(0),
        name,
        classification: input.classification,
        policy,
        members,
        status: 'active',
        signer: this.c.meRef,
        signedAtMs: clock.now(),
      },
      null,
    );
    return this.d.summary(hex(state.channelId));
  }

  async changeMembers(input: ApiInput<'changeMembers'>): Promise<ChannelDetails> {
    const e = this.d.book.live(input.channelId);
    const people = await this.d.directory.peopleIncluding(input.add.map((a) => a.userId), this.d.relay());
    checkCleared(input.add.map((a) => a.userId), people, e.state.classification);
    const removed = new Set(input.remove);
    let members = e.state.members.filter((m) => !removed.has(m.userId));
    for (const a of input.add) if (!members.some((m) => m.userId === a.userId)) members.push({ userId: a.userId, role: a.role });
    members = withRecordsMember(members, e.state.policy, this.c.org.recordsUserId);
    await this.d.publisher.change(input.channelId, { members }, (me) => mayManage(channelView(e.state, null), me));
    return this.d.details(input.channelId);
  }

  async changePolicy(input: ApiInput<'changePolicy'>): Promise<ChannelDetails> {
    const e = this.d.book.live(input.channelId);
    const policy = normalisePolicy(input.policy as ChannelPolicy);
    if (policy.recording === 'off-the-record' !== (e.state.policy.recording === 'off-the-record')) {
      // Moving messages between memory and disk would either write off-the-record text or lose recorded text.
      throw new ApiError('POLICY_REFUSED', { detail: 'recording cannot switch to or from off-the-record; create a new channel' });
    }
    const members = withRecordsMember(e.state.members, policy, this.c.org.recordsUserId);
    await this.d.publisher.change(input.channelId, { policy, members }, (me) => mayManage(channelView(e.state, null), me));
    return this.d.details(input.channelId);
  }

  async changeClassification(input: ApiInput<'changeClassification'>): Promise<ApiResult<'changeClassification'>> {
    const e = this.d.book.live(input.channelId);
    const { kept, removed } = splitByClearance(e.state.members, this.d.directory.people(), input.classification);
    await this.d.publisher.change(input.channelId, { classification: input.classification, members: kept }, (me) => mayManage(channelView(e.state, null), me));
    return { channel: await this.d.details(input.channelId), removedUserIds: removed };
  }

  async setPaused(channelId: string, paused: boolean, reason: string | null): Promise<ChannelSummary> {
    if (this.d.officer.actsOn(channelId)) return this.d.officer.setPaused(channelId, paused, reason);
    const e = this.d.book.live(channelId);
    // The reason travels in the signed state, so every member shows the same one.
    await this.d.publisher.change(channelId, { status: paused ? 'paused' : 'active', pausedReason: paused && reason ? reason : undefined }, (me) => mayPauseOrWipe(channelView(e.state, null), me));
    this.c.store.repos.pausedReasons.delete(channelId);
    const summary = this.d.summary(channelId);
    this.c.emit({ type: 'channelChanged', channel: summary });
    return summary;
  }

  async wipe(input: ApiInput<'wipe'>): Promise<ApiResult<'wipe'>> {
    const { directory, officer } = this.d;
    const member = !officer.actsOn(input.channelId);
    // An officer who is not a member signs on top of the chain as verified just now.
    const state = member ? this.d.book.live(input.channelId).state : await officer.state(input.channelId);
    if (!mayPauseOrWipe(channelView(state, null), meView(this.c.me))) throw new ApiError('FORBIDDEN');
    if (comparableName(input.confirmName) !== comparableName(state.name)) throw new ApiError('BAD_REQUEST', { detail: 'the typed name does not match the channel' });
    const relay = this.d.relay();
    if (!relay) throw new ApiError('OFFLINE');
    const now = this.c.clock.now();
    const encoded = signWipeCommand(this.c.identity.identityKeyPair.privateKey, this.c.meRef, state, now);
    const cmd = verifyWipeCommand(encoded, state, directory.trust.view(now));
    const expected = state.members.flatMap((m) =>
      directory.trust.devicesOf(m.userId, now).map((dc) => ({ userId: dc.userId, deviceId: String(dc.deviceId), displayName: directory.names(dc.userId) })),
    );
    this.d.wipes.issue(input.channelId, cmd, encoded, now, expected, state.name);
    await relay.request({ case: 'sendWipe', value: { wipe: encoded } }, 'sent');
    if (member) {
      this.d.wipedHere(input.channelId);
      this.d.wipes.count(input.channelId, this.c.meRef, now);
    } else {
      officer.forget(input.channelId);
    }
    return { wipeId: hex(cmd.hash), total: expected.length };
  }
}
