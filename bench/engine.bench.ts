/**
 * Engine benchmark (issue 6): two engines with their own profiles on a local relay.
 *  - send → receive latency between them (p50, p99);
 *  - catch-up of a backlog (BENCH_ENGINE_BACKLOG, default 50,000) queued while the receiver was
 *    closed: messages per second from unlock to the last message stored, and the event-loop
 *    delay p99 of the process hosting the engine meanwhile;
 *  - the raw pipeline measured in the same run on the same messages' shape: libsignal sender-key
 *    decrypt + encrypted insert (same profile format, same batch commits), no engine — the ratio
 *    is engine / raw;
 *  - wipe of a 100,000-message channel: from the lead's wipe call until the member device has
 *    crypto-shredded the channel.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { percentile, withRatio, type Figure } from './lib/report.ts';
import { rawSenderKeyPair } from './lib/rawSignal.ts';
import { createProfile, PassphraseKeyProvider } from '../src/storage/index.ts';
import { DEFAULT_POLICY } from '../src/shared/model/policy.ts';
import { FAST_ARGON2, Scenario, until } from '../test/scenarios/harness.ts';

const BACKLOG = Number(process.env['BENCH_ENGINE_BACKLOG'] ?? 50_000);
const LATENCY_SAMPLES = 300;
const WIPE_SIZE = 100_000;
const TEXT = 'The delegation accepts the revised wording of article 4, subject to the annex.';

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  // The relay's abuse limits (rate, queue depth) are for the open network, not for this load.
  const sc = await new Scenario().start({ limits: { requestsPerSecond: 1_000_000, requestBurst: 1_000_000, maxQueueDepth: BACKLOG * 2 + 1000 } });
  try {
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice');
    let bob = await sc.join('bob');
    const ch = await alice.call('createChannel', { name: 'Bench', classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'warm-up' });
    await bob.waitText('warm-up');

    // ---- latency
    const lat: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const text = `ping ${i}`;
      const t0 = performance.now();
      const got = new Promise<void>((resolve) => {
        const off = bob.engine.onEvent((e) => {
          if (e.type === 'messageReceived' && e.message.text === text) {
            off();
            resolve();
          }
        });
      });
      await alice.call('send', { channelId: ch.id, text });
      await got;
      lat.push(performance.now() - t0);
    }
    lat.sort((a, b) => a - b);
    figures.push({ name: 'send→receive latency p50', value: percentile(lat, 50), unit: 'ms', target: '< 5 ms' });
    figures.push({ name: 'send→receive latency p99', value: percentile(lat, 99), unit: 'ms', target: '< 25 ms' });

    // ---- backlog
    await bob.engine.close();
    for (let i = 0; i < BACKLOG; i += 1000) {
      const n = Math.min(1000, BACKLOG - i);
      await Promise.all(Array.from({ length: n }, (_, k) => alice.call('send', { channelId: ch.id, text: `${TEXT} #${i + k}` })));
      await alice.engine.current!.outboxIdle;
      if ((i + n) % 10_000 === 0) process.stderr.write(`engine bench: ${i + n} of ${BACKLOG} queued\n`);
    }
    const eld = monitorEventLoopDelay({ resolution: 5 });
    let received = 0;
    const t0 = performance.now();
    eld.enable();
    bob = sc.engine(bob.dir, 'bob');
    bob.engine.onEvent((e) => {
      if (e.type === 'messageReceived') received++;
    });
    await bob.call('unlock', { passphrase: 'correct horse battery staple' });
    await until(() => received >= BACKLOG, 600_000, 'catch-up');
    const seconds = (performance.now() - t0) / 1000;
    eld.disable();
    const engineRate = BACKLOG / seconds;
    const size = `${Math.round(BACKLOG / 1000)}k`;

    // ---- raw pipeline: decrypt + encrypted insert in batch transactions, no engine
    const rawRate = await rawPipeline(Math.min(BACKLOG, 20_000));
    figures.push(withRatio({ name: `catch-up of ${size} backlog`, value: engineRate, unit: 'msgs/s', limit: rawRate, target: '>= 4,000 msgs/s and >= 0.7 of raw' }));
    figures.push({ name: `event-loop delay p99 during ${size} catch-up`, value: eld.percentile(99) / 1e6, unit: 'ms', target: '< 20 ms' });

    // ---- wipe of a 100k-message channel
    const store = bob.engine.current!.localStore;
    const now = Date.now();
    for (let i = 0; i < WIPE_SIZE; i += 1000) {
      store.transaction((r) => {
        for (let k = i; k < Math.min(WIPE_SIZE, i + 1000); k++) {
          r.messages.insert({ id: crypto.randomBytes(16).toString('hex'), channelId: ch.id, sender: 'alice.1', sentAt: now + k, receivedAt: now + k, expiresAt: null, text: `${TEXT} filler ${k}` });
        }
      });
    }
    const w0 = performance.now();
    const removed = new Promise<void>((resolve) => bob.engine.onEvent((e) => e.type === 'channelRemoved' && e.channelId === ch.id && resolve()));
    await alice.call('wipe', { channelId: ch.id, confirmName: 'Bench' });
    await removed;
    figures.push({ name: `wipe of a ${WIPE_SIZE / 1000}k-message channel (issue → member shredded)`, value: performance.now() - w0, unit: 'ms' });
  } finally {
    await sc.stop();
  }
  return figures;
}

/** libsignal groupDecrypt + insert into an encrypted profile, committed in batches of 256. */
async function rawPipeline(n: number): Promise<number> {
  const payload = new Uint8Array(160);
  payload.set(new TextEncoder().encode(TEXT));
  const pair = await rawSenderKeyPair(payload);
  const ciphertexts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) ciphertexts.push(await pair.encrypt());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-raw-'));
  const store = await createProfile(dir, new PassphraseKeyProvider('bench passphrase', FAST_ARGON2));
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i += 256) {
      const batch: { id: string; text: string }[] = [];
      for (let k = i; k < Math.min(n, i + 256); k++) {
        const plain = await pair.decrypt(ciphertexts[k]!);
        batch.push({ id: crypto.randomBytes(16).toString('hex'), text: new TextDecoder().decode(plain.subarray(0, TEXT.length)) });
      }
      store.transaction((r) => {
        for (const b of batch) {
          r.messages.insert({ id: b.id, channelId: 'raw', sender: 'alice.1', sentAt: Date.now(), expiresAt: null, text: b.text });
          r.settings.markReceived(b.id);
        }
      });
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
