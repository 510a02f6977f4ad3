import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { SenderKeyDistributionSchema } from '../../../../gen/valise/v1/content_pb.ts';
import type { UnitOfWork } from '../../../../storage/index.ts';
import { channel } from '../../../../../test/engine/sessionKit.ts';
import { unhex } from '../../views.ts';
import { ChannelBook } from '../ChannelBook.ts';
import { SenderKeyHandler } from './SenderKeyHandler.ts';

function rig() {
  const book = new ChannelBook({ set: () => undefined });
  book.set('aa', { state: channel('aa', { epoch: 5 }), pausedReason: null });
  const processed: number[] = [];
  const bound: string[] = [];
  const uow = {
    write: (f: () => void) => f(),
    protocol: { senderKey: { bindDistribution: (id: string, ch: string) => void bound.push(`${id}@${ch}`) } },
  } as unknown as UnitOfWork;
  const h = new SenderKeyHandler({
    book,
    openedHere: () => undefined,
    cipherFor: () => ({ processMemberDistribution: (_s, _d, state) => (processed.push(state.epoch), Promise.resolve()) }),
  });
  return { book, h, uow, processed, bound };
}

const dist = (epoch: number) => create(SenderKeyDistributionSchema, { channelId: unhex('aa'), epoch: BigInt(epoch), distributionId: new Uint8Array(16).fill(1) });
const bob = { userId: 'bob', deviceId: 2 };

describe('SenderKeyHandler', () => {
  it('takes a key for the current epoch and binds its distribution to the channel', async () => {
    const { h, uow, processed, bound } = rig();
    await h.open(uow, bob, dist(5));
    expect(processed).toEqual([5]);
    expect(bound).toEqual(['01010101-0101-0101-0101-010101010101@aa']);
  });

  it('takes the previous epoch’s key only until a change rotated keys', async () => {
    const { book, h, uow, processed } = rig();
    await h.open(uow, bob, dist(4));
    expect(processed).toEqual([4]);
    book.saveRotation('aa', 5);
    await h.open(uow, bob, dist(4));
    expect(processed).toEqual([4]);
  });

  it('refuses a key for an older or future epoch, or for an unknown channel', async () => {
    const { h, uow, processed } = rig();
    await h.open(uow, bob, dist(3));
    await h.open(uow, bob, dist(6));
    await h.open(uow, bob, create(SenderKeyDistributionSchema, { channelId: unhex('bb'), epoch: 0n, distributionId: new Uint8Array(16) }));
    expect(processed).toEqual([]);
  });
});
