import { afterEach, describe, expect, it } from 'vitest';
import { signWipeCommand, type DeviceRef } from '../../../../crypto/index.ts';
import type { RelayClient } from '../../../../relay/RelayClient.ts';
import { CHANNEL, signedKit, type SignedKit, type Who } from '../../../../../test/engine/signedChannel.ts';
import { WipeCommandHandler } from './WipeCommandHandler.ts';

let kit: SignedKit;
afterEach(() => kit.close());

async function rig(me: Who) {
  kit = await signedKit(me);
  const wiped: string[] = [];
  const receipts: { to: DeviceRef; kind: string }[] = [];
  const h = new WipeCommandHandler(kit.c, {
    book: kit.book,
    directory: kit.directory,
    peers: {
      send: (_r, to, _c, content) => {
        const body = content!.body as { case: string; value: { kind: { case: string } } };
        receipts.push({ to: { userId: to.userId, deviceId: to.deviceId }, kind: body.value.kind.case });
        return Promise.resolve();
      },
    },
    wipeHere: (id) => void wiped.push(id),
  });
  const wipeBy = (who: Who, key = kit.devices[who]!.identity.privateKey) =>
    signWipeCommand(key, { userId: who, deviceId: kit.devices[who]!.deviceId }, kit.state, kit.clock.now());
  return { h, wiped, receipts, wipeBy, relay: kit.relay as unknown as RelayClient };
}

describe('WipeCommandHandler', () => {
  it('applies the owner’s wipe here and answers the issuer with a signed receipt', async () => {
    const { h, wiped, receipts, wipeBy, relay } = await rig('bob');
    await h.handle(wipeBy('alice'), relay);
    expect(wiped).toEqual([CHANNEL]);
    expect(receipts).toEqual([{ to: { userId: 'alice', deviceId: 1 }, kind: 'wipeReceipt' }]);
  });

  it('a security officer who is not a member may wipe', async () => {
    const { h, wiped, wipeBy, relay } = await rig('alice');
    await h.handle(wipeBy('olga'), relay);
    expect(wiped).toEqual([CHANNEL]);
  });

  it('ignores a wipe signed by a plain delegate: nothing is shredded, no receipt sent', async () => {
    const { h, wiped, receipts, wipeBy, relay } = await rig('alice');
    await expect(h.handle(wipeBy('bob'), relay)).rejects.toThrow();
    expect(wiped).toEqual([]);
    expect(receipts).toEqual([]);
  });

  it('ignores a wipe naming the owner but signed with another device’s key', async () => {
    const { h, wiped, receipts, wipeBy, relay } = await rig('bob');
    await expect(h.handle(wipeBy('alice', kit.devices.olga!.identity.privateKey), relay)).rejects.toThrow();
    expect(wiped).toEqual([]);
    expect(receipts).toEqual([]);
  });

  it('ignores a wipe for a channel already wiped or unknown here', async () => {
    const { h, wiped, receipts, wipeBy, relay } = await rig('bob');
    kit.book.markWiped(CHANNEL);
    await h.handle(wipeBy('alice'), relay);
    expect(wiped).toEqual([]);
    expect(receipts).toEqual([]);
  });

  it('offline, it still wipes here; the receipt cannot go', async () => {
    const { h, wiped, receipts, wipeBy } = await rig('bob');
    await h.handle(wipeBy('alice'), null);
    expect(wiped).toEqual([CHANNEL]);
    expect(receipts).toEqual([]);
  });
});
