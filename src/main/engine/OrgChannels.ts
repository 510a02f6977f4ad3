/**
 * The organisation's channels as a security officer sees them (DESIGN.md §1, issue 6 §5): every
 * live channel the relay holds, each judged by its whole signed chain — the relay's listing alone
 * is not trusted — so the officer can pause, resume or wipe channels it is not a member of.
 */
import { decodeChannelState, verifyChannelChain, type ChannelState, type DeviceRef, type OrgTrust } from '../../crypto/index.ts';
import type { RelayClient } from '../../relay/RelayClient.ts';
import { ApiError, toApiError } from './errors.ts';
import { hex } from '../../base/hex.ts';

export interface OrgChannelsDeps {
  relay(): RelayClient | null;
  trust(): Pick<OrgTrust, 'view' | 'everIssued'>;
  now(): number;
  /** Makes sure the certificates of these users (and of the signing device) are known. */
  knowAll(userIds: string[], signer: DeviceRef): Promise<void>;
  /** A chain that does not verify is left out of the list; this hears why (no content). */
  rejected(channelId: string, reason: string): void;
}

export class OrgChannels {
  private readonly verified = new Map<string, ChannelState>();

  constructor(private readonly d: OrgChannelsDeps) {}

  /** Every live channel of the organisation, verified; a listing unchanged since the last look is not fetched again. */
  async list(): Promise<ChannelState[]> {
    const listings = await this.relay().listChannels().catch((e: unknown) => Promise.reject(toApiError(e)));
    const out: ChannelState[] = [];
    for (const l of listings) {
      const id = hex(l.channelId);
      const known = this.verified.get(id);
      if (known && Buffer.from(known.encoded).equals(Buffer.from(l.state))) {
        out.push(known);
        continue;
      }
      const state = await this.verify(l.channelId).catch((e: unknown) => {
        this.d.rejected(id, toApiError(e).code);
        return null;
      });
      if (state) out.push(state);
    }
    const live = new Set(out.map((s) => hex(s.channelId)));
    for (const id of this.verified.keys()) if (!live.has(id)) this.verified.delete(id);
    return out;
  }

  /** The channel's current state, fetched and verified now (before signing anything on top of it). */
  async state(channelId: string): Promise<ChannelState> {
    return this.verify(Buffer.from(channelId, 'hex'));
  }

  /** A change this device just published. */
  remember(state: ChannelState): void {
    this.verified.set(hex(state.channelId), state);
  }

  forget(channelId: string): void {
    this.verified.delete(channelId);
  }

  private relay(): RelayClient {
    const r = this.d.relay();
    if (!r) throw new ApiError('OFFLINE');
    return r;
  }

  private async verify(channelId: Uint8Array): Promise<ChannelState> {
    let changes: Uint8Array[];
    try {
      changes = await this.relay().fetchChannelState(channelId);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'CHANNEL_UNKNOWN') throw new ApiError('NOT_FOUND', { cause: e });
      throw toApiError(e);
    }
    const decoded = changes.flatMap((c) => {
      try {
        return [decodeChannelState(c)];
      } catch {
        return [];
      }
    });
    const users = [...new Set(decoded.flatMap((c) => [c.signer.userId, ...c.members.map((m) => m.userId)]))];
    for (const c of decoded) await this.d.knowAll(users, c.signer);
    // Only from epoch 0 of the very channel asked: a relay must not answer with another channel's
    // chain. Records of a key revoked since are taken too, so that the officer can still pause: her
    // status change vouches for nothing, so no device takes them on her word (src/crypto/README.md).
    const r = verifyChannelChain(changes, { channelId, held: null, now: this.d.trust().view(this.d.now()), ever: this.d.trust().everIssued(this.d.now()), unvouched: 'allow' });
    if (r.kind === 'rejected') throw new ApiError('CONFLICT', { detail: `channel chain rejected: ${r.reason}` });
    this.verified.set(hex(r.state.channelId), r.state);
    return r.state;
  }
}
