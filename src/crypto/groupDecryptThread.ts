/**
 * The worker thread of GroupDecryptWorker: libsignal sender-key decryption off the engine's event
 * loop. It keeps the sender-key records it was handed in memory, advances them as it decrypts, and
 * returns each plaintext with the record as it stands after that message. It never touches the
 * profile: the engine commits the returned records together with the messages they opened, so a
 * crash loses nothing that the relay does not deliver again.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { ProtocolAddress, SenderKeyMessage, SenderKeyRecord, groupDecrypt } from '@signalapp/libsignal-client';
import { MemorySenderKeyStore } from './memory/MemoryStores.ts';
import type { GroupDecryptRequest, GroupDecryptResponse, GroupDecryptResult } from './GroupDecryptWorker.ts';

const port = parentPort!;

/**
 * This thread yields the CPU to every other thread of the process: on a machine with few cores the
 * event loop that hosts the engine (and serves the UI) must not wait behind a catch-up. Linux names
 * the thread in /proc/thread-self; elsewhere the thread keeps the process's priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, 10);
  } catch {
    // Not Linux, or not permitted: only the event loop's smoothness suffers, not correctness.
  }
}
lowerPriority();
let store = new MemorySenderKeyStore();
let generation = 0;
const addresses = new Map<string, ProtocolAddress>();
/** Requests are handled one after another: a record must advance in delivery order. */
let chain: Promise<void> = Promise.resolve();

function address(name: string, deviceId: number): ProtocolAddress {
  const key = `${name}.${deviceId}`;
  let a = addresses.get(key);
  if (!a) {
    if (addresses.size > 4096) addresses.clear();
    a = ProtocolAddress.new(name, deviceId);
    addresses.set(key, a);
  }
  return a;
}

async function decrypt(req: Extract<GroupDecryptRequest, { kind: 'jobs' }>): Promise<void> {
  if (req.generation !== generation) return;
  const results: GroupDecryptResult[] = [];
  for (const job of req.jobs) {
    const from = address(job.userId, job.deviceId);
    let distributionId = '';
    try {
      for (const r of job.records ?? []) {
        if (r.record === null) await store.removeSenderKey(from, r.distributionId);
        else await store.saveSenderKey(from, r.distributionId, SenderKeyRecord.deserialize(Uint8Array.from(r.record)));
      }
      const ciphertext = Uint8Array.from(job.ciphertext);
      distributionId = String(SenderKeyMessage.deserialize(ciphertext).distributionId());
      const plaintext = await groupDecrypt(from, store, ciphertext);
      const record = await store.getSenderKey(from, distributionId);
      results.push({ id: job.id, distributionId, plaintext, record: record!.serialize() });
    } catch {
      // The engine decrypts this one itself, through its own stores, and learns the real reason.
      results.push({ id: job.id, distributionId, plaintext: null, record: null });
    }
    if (generation !== req.generation) return;
  }
  const res: GroupDecryptResponse = { kind: 'results', generation: req.generation, results };
  port.postMessage(res);
}

port.on('message', (req: GroupDecryptRequest) => {
  if (req.kind === 'stop') {
    port.close();
    return;
  }
  if (req.kind === 'reset') {
    // Takes effect at once: a request of the old generation still running stops after its item.
    generation = req.generation;
    store = new MemorySenderKeyStore();
    return;
  }
  chain = chain.then(() => decrypt(req));
});
port.postMessage({ kind: 'ready' } satisfies GroupDecryptResponse);
