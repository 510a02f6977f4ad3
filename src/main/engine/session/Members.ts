/** A channel's members and their devices as the details pane shows them: safety numbers, verification, last seen. */
import { formatSafetyNumber, safetyNumber } from '../../../crypto/index.ts';
import type { ApiInput, ApiResult } from '../../../shared/api/methods.ts';
import type { ChannelDetails, ChannelSummary } from '../../../shared/api/schemas.ts';
import { ApiError } from '../errors.ts';
import type { Peers } from '../Peers.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import type { SessionContext } from './SessionContext.ts';

export interface MembersDeps {
  book: ChannelBook;
  directory: Directory;
  peers: Peers;
  lastSeen: (userId: string, deviceId: number) => number | null;
  summary: (channelId: string) => ChannelSummary;
}

export class Members {
  constructor(
    private readonly c: SessionContext,
    private readonly d: MembersDeps,
  ) {}

  async channelDetails(channelId: string): Promise<ChannelDetails> {
    const { me, identity, clock, store } = this.c;
    const { trust } = this.d.directory;
    const e = this.d.book.live(channelId);
    const now = clock.now();
    const view = trust.view(now);
    const myKey = identity.identityKeyPair.publicKey;
    const verified = store.repos.safetyNumbers;
    const members = [];
    for (const m of e.state.members) {
      const cert = view.member(m.userId);
      const devices = [];
      for (const dc of trust.devicesOf(m.userId, now)) {
        if (dc.userId === me.userId && dc.deviceId === me.deviceId) continue;
        const digits = safetyNumber(me.userId, myKey, dc.userId, dc.identityKey).digits;
        const ref = { userId: dc.userId, deviceId: dc.deviceId };
        devices.push({
          deviceId: String(dc.deviceId),
          safetyNumber: formatSafetyNumber(digits),
          verified: verified.verified(dc.userId, String(dc.deviceId)) === digits,
          identityChanged: await this.d.peers.sessions.identityChanged(ref).catch(() => false),
          lastSeenAt: this.d.lastSeen(dc.userId, dc.deviceId),
          revoked: false,
        });
      }
      members.push({ userId: m.userId, displayName: cert?.displayName ?? m.userId, role: m.role, clearance: cert?.clearance ?? 0, orgRoles: cert?.roles ?? [], devices });
    }
    const first = e.state;
    return { ...this.d.summary(channelId), epoch: e.state.epoch, members, createdAt: first.signedAtMs, createdBy: first.signer.userId };
  }

  async verifySafetyNumber(input: ApiInput<'verifySafetyNumber'>): Promise<ApiResult<'verifySafetyNumber'>> {
    const { me, identity, clock, store } = this.c;
    const now = clock.now();
    const devices = this.d.directory.trust.devicesOf(input.userId, now).filter((dc) => input.deviceId === undefined || String(dc.deviceId) === input.deviceId);
    if (devices.length === 0) throw new ApiError('NOT_FOUND');
    const verified: [string, string, string][] = [];
    for (const dc of devices) {
      const digits = safetyNumber(me.userId, identity.identityKeyPair.publicKey, dc.userId, dc.identityKey).digits;
      if (input.safetyNumber !== undefined && input.safetyNumber.replace(/\D/g, '') !== digits) throw new ApiError('SAFETY_NUMBER_MISMATCH');
      await this.d.peers.sessions.approveIdentity({ userId: dc.userId, deviceId: dc.deviceId });
      verified.push([dc.userId, String(dc.deviceId), digits]);
    }
    store.transaction((r) => {
      for (const [userId, deviceId, digits] of verified) r.safetyNumbers.verify(userId, deviceId, digits);
    });
    return { verified: true };
  }
}
