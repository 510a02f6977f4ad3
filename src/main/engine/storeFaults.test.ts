import { describe, expect, it } from 'vitest';
import { ChannelCipher, DecryptionError } from '../../crypto/index.ts';
import { MemorySenderKeyStore } from '../../crypto/memory/MemoryStores.ts';
import { classifyReceiveError } from './receiveFault.ts';
import { StoreFaults } from './storeFaults.ts';

const channelId = new Uint8Array(16).fill(7);
const alice = { userId: 'alice', deviceId: 1 };
const bob = { userId: 'bob', deviceId: 1 };

async function pair() {
  const a = new ChannelCipher(new MemorySenderKeyStore(), alice);
  const bobStore = new MemorySenderKeyStore();
  const b = new ChannelCipher(bobStore, bob);
  await b.processDistribution(alice, await a.distribution(channelId, 0), channelId, 0);
  return { a, b, bobStore };
}

describe('StoreFaults', () => {
  it('a busy database under libsignal is reported as the passing fault it is, not as an undecryptable message', async () => {
    const { a, b, bobStore } = await pair();
    const ct = await a.encrypt(channelId, 0, new TextEncoder().encode('hello'));
    const faults = new StoreFaults();
    bobStore.getSenderKey = () => Promise.reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    faults.watch({ senderKey: bobStore });
    faults.clear();
    const e = await b.decrypt(alice, channelId, [0], ct).catch((x: unknown) => x);
    // What libsignal and the crypto layer make of it: bad input, which would be dropped and acked.
    expect(e).toBeInstanceOf(DecryptionError);
    expect(classifyReceiveError(e)).toBe('bad-input');
    expect(classifyReceiveError(faults.explain(e))).toBe('transient');
  });

  it('a damaged message with healthy stores stays bad input', async () => {
    const { a, b, bobStore } = await pair();
    const ct = await a.encrypt(channelId, 0, new TextEncoder().encode('hello'));
    ct[ct.length - 3]! ^= 1;
    const faults = new StoreFaults();
    faults.watch({ senderKey: bobStore });
    faults.clear();
    const e = await b.decrypt(alice, channelId, [0], ct).catch((x: unknown) => x);
    expect(classifyReceiveError(faults.explain(e))).toBe('bad-input');
    // The watched store still works.
    expect(new TextDecoder().decode(await b.decrypt(alice, channelId, [0], await a.encrypt(channelId, 0, new TextEncoder().encode('again'))))).toBe('again');
  });
});
