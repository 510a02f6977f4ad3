import { ProtocolAddress } from '@signalapp/libsignal-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelCipher, distributionId } from './ChannelCipher.ts';
import { GroupDecryptWorker } from './GroupDecryptWorker.ts';
import { MemorySenderKeyStore } from './memory/MemoryStores.ts';

const alice = { userId: 'alice', deviceId: 1 };
const bob = { userId: 'bob', deviceId: 1 };
const channelId = new Uint8Array(16).fill(7);
const dist = distributionId(channelId, 0);
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** Alice's sender key for (channel, epoch 0), known to bob's store; `n` messages from alice. */
async function senderKeyRun(n: number) {
  const aliceStore = new MemorySenderKeyStore();
  const bobStore = new MemorySenderKeyStore();
  const aliceCipher = new ChannelCipher(aliceStore, alice);
  const bobCipher = new ChannelCipher(bobStore, bob);
  await bobCipher.processDistribution(alice, await aliceCipher.distribution(channelId, 0), channelId, 0);
  const ciphertexts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) ciphertexts.push(await aliceCipher.encrypt(channelId, 0, text(`message ${i}`)));
  const record = (await bobStore.getSenderKey(ProtocolAddress.new('alice', 1), dist))!.serialize();
  return { bobStore, bobCipher, ciphertexts, record };
}

let worker: GroupDecryptWorker | null = null;
afterEach(() => worker?.stop());

describe('GroupDecryptWorker', () => {
  it('decrypts in order from the handed record and returns each advanced record', async () => {
    const { bobStore, bobCipher, ciphertexts, record } = await senderKeyRun(5);
    worker = GroupDecryptWorker.start();
    const answers = await Promise.all(
      worker.decrypt(ciphertexts.map((ciphertext, i) => ({ id: `d${i}`, sender: alice, ciphertext, ...(i === 0 ? { records: [{ distributionId: dist, record }] } : {}) }))),
    );
    expect(answers.map((a) => (a ? str(a.plaintext) : null))).toEqual(ciphertexts.map((_, i) => `message ${i}`));
    expect(answers.every((a) => a?.distributionId === dist)).toBe(true);
    // The last record is what bob's own store holds after decrypting the same messages itself.
    for (const c of ciphertexts) await bobCipher.decrypt(alice, channelId, [0], c);
    const own = (await bobStore.getSenderKey(ProtocolAddress.new('alice', 1), dist))!.serialize();
    expect(Buffer.from(answers.at(-1)!.record).equals(Buffer.from(own))).toBe(true);
  });

  it('answers null for what it cannot open, and goes on with the rest', async () => {
    const { ciphertexts, record } = await senderKeyRun(3);
    worker = GroupDecryptWorker.start();
    const damaged = Uint8Array.from(ciphertexts[1]!);
    damaged[damaged.length - 5]! ^= 0xff;
    const answers = await Promise.all(
      worker.decrypt([
        { id: 'a', sender: alice, ciphertext: ciphertexts[0]!, records: [{ distributionId: dist, record }] },
        { id: 'b', sender: alice, ciphertext: damaged },
        { id: 'c', sender: bob, ciphertext: ciphertexts[2]! },
        { id: 'd', sender: alice, ciphertext: ciphertexts[2]! },
      ]),
    );
    expect(answers.map((a) => (a ? str(a.plaintext) : null))).toEqual(['message 0', null, null, 'message 2']);
  });

  it('without a record it answers null; after reset it has forgotten every record', async () => {
    const { ciphertexts, record } = await senderKeyRun(2);
    worker = GroupDecryptWorker.start();
    const [none] = worker.decrypt([{ id: 'x', sender: alice, ciphertext: ciphertexts[0]!, records: [{ distributionId: dist, record: null }] }]);
    expect(await none).toBeNull();
    const [first] = worker.decrypt([{ id: 'y', sender: alice, ciphertext: ciphertexts[0]!, records: [{ distributionId: dist, record }] }]);
    expect(str((await first)!.plaintext)).toBe('message 0');
    worker.reset();
    const [after] = worker.decrypt([{ id: 'z', sender: alice, ciphertext: ciphertexts[1]! }]);
    expect(await after).toBeNull();
  });

  it('resolves pending answers with null when reset or stopped', async () => {
    const { ciphertexts, record } = await senderKeyRun(50);
    worker = GroupDecryptWorker.start();
    const pending = worker.decrypt(ciphertexts.map((ciphertext, i) => ({ id: `p${i}`, sender: alice, ciphertext, ...(i === 0 ? { records: [{ distributionId: dist, record }] } : {}) })));
    worker.reset();
    expect(await Promise.all(pending)).toEqual(pending.map(() => null));
    const more = worker.decrypt([{ id: 'q', sender: alice, ciphertext: ciphertexts[0]!, records: [{ distributionId: dist, record }] }]);
    worker.stop();
    expect(await more[0]).toBeNull();
    expect(worker.alive).toBe(false);
    expect(await worker.decrypt([{ id: 'r', sender: alice, ciphertext: ciphertexts[0]! }])[0]).toBeNull();
  });
});
