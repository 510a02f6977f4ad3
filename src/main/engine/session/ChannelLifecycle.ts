/** A channel state becomes current here (kept, or wiped when I am no longer a member), and a channel is crypto-shredded here. */
import type { ChannelState } from '../../../crypto/index.ts';
import type { MessageStore } from '../../../storage/index.ts';
import type { ChannelSummary } from '../../../shared/api/schemas.ts';
import type { DeliveryBook } from '../DeliveryBook.ts';
import type { OutboxStore } from '../Outbox.ts';
import { hex } from '../views.ts';
import { channelRecord, type ChannelBook } from './ChannelBook.ts';
import type { Retention } from './Retention.ts';
import type { SessionContext } from './SessionContext.ts';

export type RemovedReason = 'wiped' | 'ended' | 'removed';

export interface ChannelLifecycleDeps {
  book: ChannelBook;
  otr: MessageStore;
  otrOutbox: Pick<OutboxStore, 'removeChannel'>;
  deliveries: Pick<DeliveryBook, 'forgetChannel'>;
  retention: Pick<Retention, 'schedule' | 'forgetChannel'>;
  /** The channel's sender keys are gone from the profile: a worker decrypting ahead must not go on from its copies. */
  keysGone: () => void;
  summary: (channelId: string) => ChannelSummary;
}

export class ChannelLifecycle {
  constructor(
    private readonly c: SessionContext,
    private readonly d: ChannelLifecycleDeps,
  ) {}

  accept(state: ChannelState): void {
    const id = hex(state.channelId);
    this.d.book.set(id, { state, pausedReason: state.pausedReason ?? null });
    const stillMember = state.members.some((m) => m.userId === this.c.me.userId);
    if (!stillMember || state.status === 'wiped') {
      this.wipeLocal(id, stillMember ? 'wiped' : 'removed');
      return;
    }
    if (state.policy.endsAtMs > 0 || state.policy.messageLifetimeMs > 0) this.d.retention.schedule(this.c.clock.now());
    this.c.emit({ type: 'channelChanged', channel: this.d.summary(id) });
  }

  /** Crypto-shreds one channel on this device and tells the UI. */
  wipeLocal(id: string, reason: RemovedReason): void {
    const { store } = this.c;
    if (store.repos.channels.get(id)) store.wipeChannel(id);
    this.d.keysGone();
    this.d.otr.deleteChannel(id);
    this.d.otrOutbox.removeChannel(id);
    this.d.deliveries.forgetChannel(id);
    this.d.book.markWiped(id);
    this.d.retention.forgetChannel(id);
    this.c.emit({ type: 'channelRemoved', channelId: id, reason });
  }

  /** Stores a state this device signed and makes it current. */
  saveAndAccept(state: ChannelState): void {
    this.c.store.transaction((repos) => repos.channels.save(channelRecord(state, this.c.clock.now())));
    this.accept(state);
  }
}
