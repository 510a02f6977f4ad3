/**
 * A member's sender key for a channel, in a 1:1 envelope: taken for the current epoch, or the
 * previous one while it is still accepted (a key sent just before a change that removed no one);
 * the sender must be a member of the current state either way.
 */
import type { ChannelCipher, DeviceRef } from '../../../../crypto/index.ts';
import type { SenderKeyDistribution } from '../../../../gen/valise/v1/content_pb.ts';
import type { UnitOfWork } from '../../../../storage/index.ts';
import { hex } from '../../views.ts';
import type { ChannelBook } from '../ChannelBook.ts';
import { distributionIdOf } from '../distributionId.ts';
import { NOTHING, type Received } from './events.ts';

export interface SenderKeyDeps {
  book: ChannelBook;
  openedHere: () => void;
  cipherFor: (uow: UnitOfWork) => Pick<ChannelCipher, 'processMemberDistribution'>;
}

export class SenderKeyHandler {
  constructor(private readonly d: SenderKeyDeps) {}

  async open(uow: UnitOfWork, sender: DeviceRef, dist: SenderKeyDistribution): Promise<Received> {
    const { book } = this.d;
    const channelId = hex(dist.channelId);
    const state = book.stateOf(channelId);
    if (!state) return NOTHING;
    const epoch = Number(dist.epoch);
    const accepted = epoch === state.epoch || (epoch === state.epoch - 1 && book.acceptsPrevious(channelId, state));
    if (!accepted) return NOTHING;
    this.d.openedHere();
    await this.d.cipherFor(uow).processMemberDistribution(sender, dist, { ...state, epoch });
    uow.write(() => uow.protocol.senderKey.bindDistribution(distributionIdOf(dist.distributionId), channelId));
    return NOTHING;
  }
}
