/**
 * The far side of the engine benchmark, in its own process: the relay (in-memory store, or SQLite on
 * disk with BENCH_RELAY_DISK=1: on this shared 2-core machine its fsyncs compete with the engine), the
 * security office that approves enrolments, and the sending engine (alice). In a deployment these
 * run on other machines; here they run on another event loop, so the process that hosts the
 * receiving engine measures only its own work. Driven by the parent over IPC (bench/lib/RemoteOrg.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, orgJson, type Node } from '../../test/scenarios/harness.ts';
import { IpcRpc } from './ipcRpc.ts';

const sc = new Scenario();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-bench-relay-'));
let alice: Node;

const rpc = IpcRpc.toParent({
  setup: async ({ maxQueueDepth }: { maxQueueDepth: number }) => {
    // The relay's abuse limits (rate, queue depth) are for the open network, not for this load.
    await sc.start({ ...(process.env['BENCH_RELAY_DISK'] ? { dataDir } : {}), limits: { requestsPerSecond: 1_000_000, requestBurst: 1_000_000, maxQueueDepth, maxQueuePerSender: maxQueueDepth } });
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    alice = await sc.join('alice');
    return { orgJson: orgJson(sc.org) };
  },
  /** The officer opens the request, compares the code the receiving device shows (asked of the parent), approves. */
  approve: async ({ requestId }: { requestId: string }) => {
    await sc.approve(requestId, () => rpc.call<string>('deviceCode', { requestId }));
  },
  createChannel: async ({ name, members }: { name: string; members: string[] }) =>
    (await alice.call('createChannel', { name, classification: 0, memberUserIds: members, policy: DEFAULT_POLICY })).id,
  send: async ({ channelId, text }: { channelId: string; text: string }) => {
    await alice.call('send', { channelId, text });
  },
  /** Sends `n` messages and waits until the relay has taken every one. */
  queue: async ({ channelId, n, text }: { channelId: string; n: number; text: string }) => {
    for (let i = 0; i < n; i += 1000) {
      const k = Math.min(1000, n - i);
      await Promise.all(Array.from({ length: k }, (_, j) => alice.call('send', { channelId, text: `${text} #${i + j}` })));
      await alice.engine.current!.outboxIdle;
    }
  },
  wipe: async ({ channelId, name }: { channelId: string; name: string }) => {
    await alice.call('wipe', { channelId, confirmName: name });
  },
  stop: async () => {
    await sc.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    setImmediate(() => process.exit(0));
  },
});
process.send!({ ready: true });
