/**
 * Relay benchmark (issue 5). The relay (on-disk SQLite, persisted queues) and a bare `ws` echo
 * server each run in a child process; the load generator is this process. Figures: acknowledged
 * deliveries/s for 1:1 traffic and for a 50-member channel, latency p50/p99 at half the 1:1
 * maximum, and RSS per idle authenticated connection at 10,000 connections — each next to the echo
 * server measured in the same run (echoes/s, echo latency at half its maximum, RSS per idle socket).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { WebSocket } from 'ws';
import {
  createEnrolmentRequest,
  enrolmentCode,
  issueEnrolmentNonce,
  generateOrgRootKey,
  issueDeviceCertificate,
  issueMemberCertificate,
  signAdminChallenge,
  signAuthChallenge,
  signChannelState,
} from '../src/crypto/index.ts';
import { EnvelopeSchema, EnvelopeType } from '../src/gen/valise/v1/envelope_pb.ts';
import { DEFAULT_POLICY } from '../src/shared/model/policy.ts';
import { RelayClient } from '../src/relay/RelayClient.ts';
import { percentile, withRatio, type Figure } from './lib/report.ts';

const DURATION_MS = 4000;
const PAIRS = 16;
const WINDOW = 32;
const PAYLOAD = 256;
const IDLE = 10_000;

interface Child {
  url: string;
  proc: ChildProcess;
  rss(): Promise<number>;
  /** CPU time used so far by the server process (ms). */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

async function spawnChild(args: string[]): Promise<Child> {
  // VALISE_BENCH_PROF=DIR writes a CPU profile of the relay process there.
  const prof = process.env.VALISE_BENCH_PROF && args[0] === 'relay' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VALISE_BENCH_PROF}`] : [];
  const proc = fork(path.join(import.meta.dirname, 'lib/relayChild.ts'), args, { execArgv: ['--import', 'tsx', '--expose-gc', ...prof], stdio: 'inherit' });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (c) => reject(new Error(`bench server exited with ${c}`)));
    proc.on('message', (m: { kind: string; url?: string }) => m.kind === 'ready' && resolve(m.url!));
  });
  const ask = <T>(kind: string, key: string) =>
    new Promise<T>((resolve) => {
      const on = (m: Record<string, unknown>) => {
        if (m.kind === kind) {
          proc.off('message', on);
          resolve(m[key] as T);
        }
      };
      proc.on('message', on);
      proc.send({ kind });
    });
  return {
    url,
    proc,
    rss: () => ask<number>('rss', 'rss'),
    cpu: () => ask<number>('cpu', 'cpu'),
    stop: () =>
      new Promise<void>((resolve) => {
        proc.removeAllListeners('exit');
        proc.once('exit', () => resolve());
        proc.send({ kind: 'stop' });
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

interface Dev {
  userId: string;
  deviceId: number;
  identity: IdentityKeyPair;
  cert: Uint8Array;
}

class Org {
  readonly orgId = 'bench';
  readonly root = generateOrgRootKey();
  private serial = 1;
  admin!: RelayClient;

  async connectAdmin(url: string): Promise<void> {
    this.admin = await RelayClient.connect(url);
    await this.admin.authenticateAdmin((ch) => signAdminChallenge(this.root.privateKey, ch));
  }

  async device(url: string, userId: string): Promise<Dev> {
    const now = Date.now();
    const memberCertificate = issueMemberCertificate(this.root.privateKey, {
      orgId: this.orgId, serial: this.serial++, userId, displayName: userId, clearance: 3, roles: ['lead'], notBeforeMs: now - 60_000, notAfterMs: now + 86_400_000,
    });
    await this.admin.request({ case: 'publishMember', value: { memberCertificate } }, 'ok');
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: this.orgId, userName: userId, deviceName: 'bench', identity, registrationId: 1, nowMs: now });
    const c = await RelayClient.connect(url);
    const sub = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    await c.close();
    const opened = { orgId: this.orgId, requestId: sub.requestId, request: req.encoded };
    const nonceRecord = issueEnrolmentNonce(this.root.privateKey, { ...opened, nowMs: now });
    await this.admin.request({ case: 'issueEnrolmentNonce', value: { requestId: sub.requestId, nonceRecord } }, 'ok');
    const cert = issueDeviceCertificate(this.root.privateKey, {
      orgId: this.orgId, serial: this.serial++, userId, deviceId: 1, identityKey: identity.publicKey, notBeforeMs: now - 60_000, notAfterMs: now + 86_400_000,
    });
    await this.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code: enrolmentCode(this.root.publicKey, opened, nonceRecord), deviceCertificate: cert } }, 'ok');
    return { userId, deviceId: 1, identity, cert };
  }
}

async function login(url: string, d: Dev): Promise<RelayClient> {
  const c = await RelayClient.connect(url, { timeoutMs: 60_000 });
  await c.authenticate(d.cert, (ch) => signAuthChallenge(d.identity.privateKey, ch));
  return c;
}

/** Send times by envelope id (hex), for latency; sender and receivers share this process's clock. */
const sentAt = new Map<string, number>();

/** One encoded envelope per route; each send copies it and writes a fresh id and send time. */
const templates = new Map<string, Uint8Array>();

/**
 * An envelope as a client would send it, without paying the generic encoder on every send (it
 * cost the load generator more CPU than the relay spends per delivery): the id is the first field
 * (bytes 2..17) and the send time, a 6-byte varint until 2039, the last.
 */
function envelopeBytes(from: Dev, o: { to?: Dev; channelId?: Uint8Array; timed?: boolean }): Uint8Array {
  const key = `${from.userId}>${o.to?.userId ?? ''}>${o.channelId ? Buffer.from(o.channelId).toString('hex') : ''}`;
  let t = templates.get(key);
  if (!t) {
    t = toBinary(EnvelopeSchema, create(EnvelopeSchema, {
      id: new Uint8Array(16),
      channelId: o.channelId ?? new Uint8Array(),
      sender: { userId: from.userId, deviceId: from.deviceId },
      ...(o.to ? { recipient: { userId: o.to.userId, deviceId: o.to.deviceId } } : {}),
      type: o.to ? EnvelopeType.WHISPER : EnvelopeType.SENDER_KEY,
      ciphertext: new Uint8Array(PAYLOAD),
      sentAtMs: BigInt(Date.now()),
    }));
    if (t[0] !== 0x0a || t[1] !== 16 || t[t.length - 7] !== 0x38) throw new Error('unexpected envelope layout');
    templates.set(key, t);
  }
  const b = Buffer.from(t);
  randomFillSync(b, 2, 16);
  let ms = Date.now();
  for (let i = b.length - 6; i < b.length; i++) {
    b[i] = (ms % 128) | (i < b.length - 1 ? 0x80 : 0);
    ms = Math.floor(ms / 128);
  }
  if (o.timed) sentAt.set(b.toString('hex', 2, 18), performance.now());
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** A receiving device: acks every delivery at once and records its latency. */
function receiver(c: RelayClient, latencies?: number[]): { count: () => number } {
  let n = 0;
  c.onPush((p) => {
    if (p.case !== 'delivery' || p.value.kind !== 1) return;
    n++;
    c.ack([p.value.id]);
    const t = latencies && sentAt.get(Buffer.from(p.value.id).toString('hex'));
    if (t !== undefined && latencies) latencies.push(performance.now() - t);
  });
  return { count: () => n };
}

/** Senders keep WINDOW requests in flight each for `ms`; returns deliveries/s counted at the receivers. */
async function saturate(senders: { c: RelayClient; next: () => Uint8Array }[], received: () => number, expectedPerSend: number, ms: number): Promise<number> {
  const start = performance.now();
  let sent = 0;
  let stop = false;
  await Promise.all(senders.map(async (s) => {
    const lanes = Array.from({ length: WINDOW }, async () => {
      while (!stop) {
        await s.c.request({ case: 'send', value: { envelope: s.next() } }, 'sent');
        sent++;
        if (performance.now() - start > ms) stop = true;
      }
    });
    await Promise.all(lanes);
  }));
  const target = sent * expectedPerSend;
  while (received() < target && performance.now() - start < ms + 30_000) await new Promise((r) => setTimeout(r, 5));
  return (received() * 1000) / (performance.now() - start);
}

/** Sends at `rate` envelopes/s in 5 ms ticks for `ms`. */
async function paced(senders: { c: RelayClient; next: () => Uint8Array }[], rate: number, ms: number): Promise<void> {
  const start = performance.now();
  let sent = 0;
  const pending: Promise<unknown>[] = [];
  while (performance.now() - start < ms) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; sent < due; sent++) {
      const s = senders[sent % senders.length]!;
      pending.push(s.c.request({ case: 'send', value: { envelope: s.next() } }, 'sent'));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  await new Promise((r) => setTimeout(r, 500));
}

// ---- bare ws echo ----

async function echoThroughput(url: string): Promise<number> {
  const frame = new Uint8Array(PAYLOAD + 80);
  const clients = await Promise.all(Array.from({ length: PAIRS }, () => openWs(url)));
  const start = performance.now();
  let n = 0;
  await Promise.all(clients.map((ws) => new Promise<void>((resolve) => {
    let inflight = 0;
    const pump = () => {
      while (inflight < WINDOW && performance.now() - start < DURATION_MS) {
        ws.send(frame);
        inflight++;
      }
      if (inflight === 0) resolve();
    };
    ws.on('message', () => {
      n++;
      inflight--;
      pump();
    });
    pump();
  })));
  const rate = (n * 1000) / (performance.now() - start);
  for (const ws of clients) ws.terminate();
  return rate;
}

async function echoLatency(url: string, rate: number): Promise<number[]> {
  const clients = await Promise.all(Array.from({ length: PAIRS }, () => openWs(url)));
  const lat: number[] = [];
  for (const ws of clients) ws.on('message', (d: Buffer) => lat.push(performance.now() - d.readDoubleBE(0)));
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < DURATION_MS) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; sent < due; sent++) {
      const f = Buffer.alloc(PAYLOAD + 80);
      f.writeDoubleBE(performance.now(), 0);
      clients[sent % clients.length]!.send(f);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const ws of clients) ws.terminate();
  return lat.sort((a, b) => a - b);
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function inBatches<T>(n: number, batch: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => f(i + j)))));
  return out;
}

/**
 * 10,000 authenticated connections of 200 devices, measured first while the relay's heap holds
 * nothing of the load phases: the RSS growth of the relay process per connection, next to the echo
 * server's per idle socket.
 */
async function idleRss(org: Org, relay: Child, echo: Child): Promise<Figure> {
  const idleDevs = await inBatches(200, 20, (i) => org.device(relay.url, `idle${i}`));
  const before = await relay.rss();
  const idle = await inBatches(IDLE, 100, (i) => login(relay.url, idleDevs[i % idleDevs.length]!));
  await new Promise((r) => setTimeout(r, 500));
  const after = await relay.rss();
  const perConn = (after - before) / IDLE / 1024;
  for (const c of idle) c.kill();

  const echoBefore = await echo.rss();
  const echoIdle = await inBatches(IDLE, 200, () => openWs(echo.url));
  await new Promise((r) => setTimeout(r, 500));
  const echoPerConn = ((await echo.rss()) - echoBefore) / IDLE / 1024;
  for (const ws of echoIdle) ws.terminate();
  await new Promise((r) => setTimeout(r, 1000));
  // Collect the closed connections now (an RSS query runs the GC), not during the next phase.
  await relay.rss();
  return withRatio({ name: 'RSS per idle authenticated connection (10,000)', value: perConn, unit: 'KB', limit: echoPerConn, target: '< 25 KB' }, true);
}

export async function run(): Promise<Figure[]> {
  // VALISE_BENCH_QUICK=1: the echo limit and 1:1 throughput only (to profile the relay quickly).
  const quick = process.env.VALISE_BENCH_QUICK === '1';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-relay-bench-'));
  const org = new Org();
  const echo = await spawnChild(['echo']);
  const relay = await spawnChild(['relay', org.orgId, Buffer.from(org.root.publicKey.serialize()).toString('base64'), dataDir]);
  const figures: Figure[] = [];
  try {
    await org.connectAdmin(relay.url);

    // Idle connections first, while the relay's heap holds nothing of the load phases.
    const idleFigure = quick ? undefined : await idleRss(org, relay, echo);

    // The raw limits, then the relay.
    const echoRate = await echoThroughput(echo.url);
    const echoLat = quick ? [] : await echoLatency(echo.url, echoRate / 2);

    // 1:1 traffic.
    const devs = await inBatches(PAIRS * 2, 8, (i) => org.device(relay.url, `u${i}`));
    const clients = await Promise.all(devs.map((d) => login(relay.url, d)));
    const counters = clients.slice(PAIRS).map((c) => receiver(c));
    const pairs = Array.from({ length: PAIRS }, (_, i) => ({ c: clients[i]!, next: () => envelopeBytes(devs[i]!, { to: devs[PAIRS + i]! }) }));
    const total = () => counters.reduce((s, c) => s + c.count(), 0);
    const cpu0 = await relay.cpu();
    const gen0 = process.cpuUsage();
    const got0 = total();
    const oneToOne = await saturate(pairs, total, 1, DURATION_MS);
    // CPU time of the relay process per delivery: meaningful even when the shared machine is busy.
    const cpuPerOneToOne = (((await relay.cpu()) - cpu0) * 1000) / (total() - got0);
    const gen = process.cpuUsage(gen0);
    // The load generator (senders and receivers, one process) shares the 2 cores with the relay.
    const genPerOneToOne = (gen.user + gen.system) / (total() - got0);
    const oneToOneFigures = [
      withRatio({ name: '1:1 acked deliveries/s (persisted, 16 pairs)', value: oneToOne, unit: 'msg/s', limit: echoRate, target: '>= 20,000 msg/s' }),
      { name: 'relay CPU per 1:1 acked delivery', value: cpuPerOneToOne, unit: 'us' },
      { name: 'load generator CPU per 1:1 acked delivery', value: genPerOneToOne, unit: 'us' },
    ];
    if (quick) return oneToOneFigures;

    // Latency at half of that.
    const latencies: number[] = [];
    const latClients = await Promise.all(devs.slice(PAIRS).map((d) => login(relay.url, d)));
    for (const c of clients.slice(PAIRS)) await c.close();
    for (const c of latClients) receiver(c, latencies);
    const timedPairs = pairs.map((p, i) => ({ c: p.c, next: () => envelopeBytes(devs[i]!, { to: devs[PAIRS + i]!, timed: true }) }));
    await paced(timedPairs, oneToOne / 2, DURATION_MS);
    latencies.sort((a, b) => a - b);
    for (const c of [...clients.slice(0, PAIRS), ...latClients]) await c.close();

    // A 50-member channel: two members send, every other member device receives.
    const members = await inBatches(50, 10, (i) => org.device(relay.url, `m${i}`));
    const mClients = await Promise.all(members.map((d) => login(relay.url, d)));
    const channelId = randomBytes(16);
    const state = signChannelState(members[0]!.identity.privateKey, {
      channelId, epoch: 0, previousHash: new Uint8Array(), name: 'bench', classification: 1, policy: DEFAULT_POLICY,
      members: members.map((m, i) => ({ userId: m.userId, role: i === 0 ? ('owner' as const) : ('member' as const) })),
      status: 'active', signer: { userId: members[0]!.userId, deviceId: 1 }, signedAtMs: Date.now(),
    });
    await mClients[0]!.request({ case: 'publishChannelChange', value: { change: state } }, 'ok');
    const mCounters = mClients.map((c) => receiver(c));
    const mTotal = () => mCounters.reduce((s, c) => s + c.count(), 0);
    const fanSenders = [0, 1].map((i) => ({ c: mClients[i]!, next: () => envelopeBytes(members[i]!, { channelId }) }));
    const cpu1 = await relay.cpu();
    const channel = await saturate(fanSenders, mTotal, 49, DURATION_MS);
    const cpuPerChannel = (((await relay.cpu()) - cpu1) * 1000) / mTotal();
    for (const c of mClients) await c.close();

    figures.push(
      oneToOneFigures[0]!,
      withRatio({ name: '50-member channel acked deliveries/s (persisted)', value: channel, unit: 'msg/s', limit: echoRate, target: '>= 20,000 msg/s' }),
      oneToOneFigures[1]!,
      oneToOneFigures[2]!,
      { name: 'relay CPU per channel acked delivery', value: cpuPerChannel, unit: 'us' },
      withRatio({ name: 'latency p50 at half 1:1 max', value: percentile(latencies, 50), unit: 'ms', limit: percentile(echoLat, 50) }, true),
      withRatio({ name: 'latency p99 at half 1:1 max', value: percentile(latencies, 99), unit: 'ms', limit: percentile(echoLat, 99), target: '< 50 ms' }, true),
      idleFigure!,
    );
  } finally {
    await org.admin?.close().catch(() => undefined);
    await Promise.all([relay.stop(), echo.stop()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}
