/** New channel states signed by this device: checked as every member will check them, then handed to the relay. */
import { applyChannelChange, nextStateFields, signChannelState, type ChannelState, type ChannelStateFields } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import { ApiError, toApiError } from '../errors.ts';
import type { Me } from '../policyRules.ts';
import { hex } from '../views.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import { changeRefusal, relayRefusalReason } from './changeRefusal.ts';
import { meView, type SessionContext } from './SessionContext.ts';

export type StateChange = Parameters<typeof nextStateFields>[3];

export interface PublisherDeps {
  book: ChannelBook;
  directory: Directory;
  relay: () => RelayClient | null;
  /** A state this device signed and the relay took: store it and make it current. */
  accepted: (state: ChannelState) => void;
}

export class Publisher {
  constructor(
    private readonly c: SessionContext,
    private readonly d: PublisherDeps,
  ) {}

  /** Publishes, stores and applies a new state of a channel I am a member of (or create). */
  async publish(fields: ChannelStateFields, prev: ChannelState | null): Promise<ChannelState> {
    const state = await this.signAndPublish(fields, prev);
    this.d.accepted(state);
    return state;
  }

  /** A change to a channel I am a member of, if `allowed` lets me make it. */
  async change(channelId: string, change: StateChange, allowed: (me: Me) => boolean): Promise<ChannelState> {
    const e = this.d.book.live(channelId);
    if (!allowed(meView(this.c.me))) throw new ApiError('FORBIDDEN');
    return this.publish(this.nextFields(e.state, change), e.state);
  }

  nextFields(prev: ChannelState, change: StateChange): ChannelStateFields {
    return nextStateFields(prev, this.c.meRef, Math.max(this.c.clock.now(), prev.signedAtMs + 1), change);
  }

  /** Signs a new channel state, checks it as every member will, and hands it to the relay. */
  async signAndPublish(fields: ChannelStateFields, prev: ChannelState | null): Promise<ChannelState> {
    const relay = this.d.relay();
    if (!relay) throw new ApiError('OFFLINE');
    const encoded = signChannelState(this.c.identity.identityKeyPair.privateKey, fields);
    const r = applyChannelChange(prev, encoded, this.d.directory.trust.view(this.c.clock.now()));
    if (r.kind === 'rejected') {
      throw changeRefusal(r.reason);
    }
    try {
      await relay.request({ case: 'publishChannelChange', value: { change: encoded } }, 'ok');
    } catch (e) {
      const code = (e as { code?: string }).code;
      // The relay judged with what it knows (a role taken away meanwhile): say what it refused.
      if (code === 'CHANNEL_CHANGE_REFUSED') throw changeRefusal(relayRefusalReason(e instanceof Error ? e.message : '') ?? 'fork', e);
      throw toApiError(e);
    }
    if (r.rotateSenderKeys) this.d.book.saveRotation(hex(r.state.channelId), r.state.epoch);
    return r.state;
  }
}
