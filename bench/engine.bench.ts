/**
 * Engine benchmark (issue 6). What runs where: the relay (in-memory store; BENCH_RELAY_DISK=1 for
 * SQLite on disk), the security
 * office and the sending engine (alice) run in a child process (bench/lib/orgChild.ts), as they
 * would on other machines; THIS process hosts only the receiving engine (bob), so the event-loop
 * delay measured here is the receiving engine's own.
 *  - send → receive latency, alice → relay → bob (p50, p99; includes one IPC hop to the child);
 *  - catch-up of a backlog (BENCH_ENGINE_BACKLOG, default 50,000) queued while bob was closed:
 *    messages per second from unlock to the last message stored, and the event-loop delay p99 of
 *    this process meanwhile (bob's engine decrypts the backlog's channel messages in its worker
 *    thread, DecryptAhead, and stores them on this thread);
 *  - the raw pipeline measured in the same run, in this process, on the same messages' shape:
 *    libsignal sender-key decrypt + encrypted insert (same profile format, batch commits), no
 *    engine, no network — the ratio is engine / raw;
 *  - wipe of a 100,000-message channel: from alice's wipe call until bob has crypto-shredded it
 *    (target < 1 s), then how long the background delete of its ciphertext rows takes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { percentile, withRatio, type Figure } from './lib/report.ts';
import { rawSenderKeyPair } from './lib/rawSignal.ts';
import { RemoteOrg } from './lib/RemoteOrg.ts';
import { Engine } from '../src/main/engine/Engine.ts';
import { startRelay } from '../src/server/startRelay.ts';
import { WalSync } from '../src/base/WalSync.ts';
import type { ApiEvent } from '../src/shared/api/events.ts';
import type { ApiMethod, ApiParams, ApiResult } from '../src/shared/api/methods.ts';
import { createProfile, PassphraseKeyProvider, profilePaths } from '../src/storage/index.ts';
import { FAST_ARGON2, PASSPHRASE, deviceCode, until } from '../test/scenarios/harness.ts';

const BACKLOG = Number(process.env['BENCH_ENGINE_BACKLOG'] ?? 50_000);
const LATENCY_SAMPLES = 300;
const WIPE_SIZE = 100_000;
const TEXT = 'The delegation accepts the revised wording of article 4, subject to the annex.';

/** The receiving engine, in this process. */
class Receiver {
  engine: Engine;
  received = 0;
  private readonly listeners = new Set<(e: ApiEvent) => void>();

  constructor(readonly dir: string) {
    this.engine = this.open();
  }

  private open(): Engine {
    const engine = new Engine({ startRelay, profileDir: this.dir, keyProviders: { argon2: FAST_ARGON2 }, enrolmentPollMs: 100, deviceName: 'bench' });
    engine.onEvent((e) => {
      if (e.type === 'messageReceived') this.received++;
      for (const l of this.listeners) l(e);
    });
    return engine;
  }

  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    return this.engine.handle(method, params) as Promise<ApiResult<M>>;
  }

  on(l: (e: ApiEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async reopen(): Promise<void> {
    await this.engine.close();
    this.engine = this.open();
    this.received = 0;
  }
}

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-bench-bob-'));
  const bob = new Receiver(dir);
  const org = await RemoteOrg.start({ maxQueueDepth: BACKLOG * 2 + 1000, deviceCode: () => deviceCode(bob) });
  try {
    const { requestId } = await bob.call('joinOrganisation', { orgJson: org.orgJson, displayName: 'bob', keyProvider: 'passphrase', passphrase: PASSPHRASE });
    await org.approve(requestId);
    await until(async () => (await bob.call('status', {})).connection === 'online', 20_000, 'bob online');
    const channelId = await org.createChannel('Bench', ['bob']);
    await org.send(channelId, 'warm-up');
    await until(() => bob.received >= 1, 10_000, 'warm-up message');

    // ---- latency
    const lat: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const text = `ping ${i}`;
      const got = new Promise<void>((resolve) => {
        const off = bob.on((e) => {
          if (e.type === 'messageReceived' && e.message.text === text) {
            off();
            resolve();
          }
        });
      });
      const t0 = performance.now();
      await org.send(channelId, text);
      await got;
      lat.push(performance.now() - t0);
    }
    lat.sort((a, b) => a - b);
    figures.push({ name: 'send→receive latency p50 (sender and relay in another process)', value: percentile(lat, 50), unit: 'ms', target: '< 5 ms' });
    figures.push({ name: 'send→receive latency p99 (sender and relay in another process)', value: percentile(lat, 99), unit: 'ms', target: '< 25 ms' });

    // ---- backlog, queued while the receiver is closed
    await bob.engine.close();
    await org.queue(channelId, BACKLOG, TEXT);
    await bob.reopen();
    const eld = monitorEventLoopDelay({ resolution: 5 });
    const t0 = performance.now();
    eld.enable();
    const profiler = await startProfiler(process.env['BENCH_PROF']);
    await bob.call('unlock', { passphrase: PASSPHRASE });
    await until(() => bob.received >= BACKLOG, 600_000, 'catch-up');
    const seconds = (performance.now() - t0) / 1000;
    eld.disable();
    await profiler?.();
    const engineRate = BACKLOG / seconds;
    const size = `${Math.round(BACKLOG / 1000)}k`;

    // ---- raw pipeline: decrypt + encrypted insert in batch transactions, no engine
    const rawRate = await rawPipeline(Math.min(BACKLOG, 20_000));
    figures.push(withRatio({ name: `catch-up of ${size} backlog (receiving engine alone in this process)`, value: engineRate, unit: 'msgs/s', limit: rawRate, target: '>= 4,000 msgs/s and >= 0.7 of raw' }));
    figures.push({ name: `event-loop delay p99 of the receiving engine's process during ${size} catch-up`, value: eld.percentile(99) / 1e6, unit: 'ms', target: '< 20 ms' });
    figures.push({ name: `event-loop delay p50 during ${size} catch-up`, value: eld.percentile(50) / 1e6, unit: 'ms' });
    figures.push({ name: `event-loop delay max during ${size} catch-up`, value: eld.max / 1e6, unit: 'ms' });

    // ---- wipe of a 100k-message channel
    const store = bob.engine.current!.localStore;
    const now = Date.now();
    for (let i = 0; i < WIPE_SIZE; i += 1000) {
      store.transaction((r) => {
        for (let k = i; k < Math.min(WIPE_SIZE, i + 1000); k++) {
          r.messages.insert({ id: crypto.randomBytes(16).toString('hex'), channelId, sender: 'alice.1', sentAt: now + k, receivedAt: now + k, expiresAt: null, text: `${TEXT} filler ${k}` });
        }
      });
    }
    const removed = new Promise<void>((resolve) => bob.on((e) => e.type === 'channelRemoved' && e.channelId === channelId && resolve()));
    const w0 = performance.now();
    await org.wipe(channelId, 'Bench');
    await removed;
    figures.push({ name: `wipe of a ${WIPE_SIZE / 1000}k-message channel (issue → member shredded)`, value: performance.now() - w0, unit: 'ms', target: '< 1,000 ms' });
    // The shredded channel's ciphertext rows are deleted afterwards in the background.
    const p0 = performance.now();
    await store.purged();
    figures.push({ name: `background delete of the wiped channel's ${WIPE_SIZE / 1000}k ciphertext rows`, value: performance.now() - p0, unit: 'ms' });
  } finally {
    await bob.engine.close().catch(() => undefined);
    await org.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/** BENCH_PROF=FILE: a CPU profile of the catch-up alone (this process), for Chrome's DevTools. */
async function startProfiler(file: string | undefined): Promise<(() => Promise<void>) | null> {
  if (!file) return null;
  const { Session } = await import('node:inspector/promises');
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  return async () => {
    const { profile } = await s.post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    s.disconnect();
  };
}

/**
 * libsignal groupDecrypt + insert into an encrypted profile, committed in batches of 256 the way the
 * engine commits (no fsync inside the commit, the WAL fsynced off the thread before the next batch).
 */
async function rawPipeline(n: number): Promise<number> {
  const payload = new Uint8Array(160);
  payload.set(new TextEncoder().encode(TEXT));
  const pair = await rawSenderKeyPair(payload);
  const ciphertexts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) ciphertexts.push(await pair.encrypt());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-raw-'));
  const store = await createProfile(dir, new PassphraseKeyProvider('bench passphrase', FAST_ARGON2));
  const files = profilePaths(dir);
  const wal = new WalSync(files.wal);
  store.db.pragma('synchronous = NORMAL');
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
          r.received.markReceived(b.id);
        }
      });
      await wal.barrier();
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    wal.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
