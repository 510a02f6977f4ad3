/**
 * The server side of the relay benchmark, in its own process (the load generator runs in the
 * parent): either the Valise relay on an on-disk SQLite store, or a bare `ws` echo server as the
 * raw limit. Reports its URL over IPC and answers RSS queries.
 */
import { WebSocketServer } from 'ws';
import { startRelay } from '../../src/server/startRelay.ts';

type Msg = { kind: 'rss' } | { kind: 'stop' } | { kind: 'cpu' };

const [mode, orgId, orgPub, dataDir] = process.argv.slice(2);
let close: () => Promise<void>;
let url: string;

if (mode === 'echo') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 256 * 1024 });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise((r) => wss.once('listening', r));
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  close = () => new Promise((r) => wss.close(() => r()));
} else {
  const relay = await startRelay({
    orgId: orgId!,
    orgPublicKey: new Uint8Array(Buffer.from(orgPub!, 'base64')),
    dataDir: dataDir!,
    // The load generator multiplexes many devices' traffic over few connections and opens 10,000
    // connections for 200 devices: the per-connection limits would measure themselves.
    limits: { requestsPerSecond: 1e9, requestBurst: 1e9, connectionsPerDevice: 100_000, maxQueueDepth: 1_000_000, deliveryWindow: 1024 },
  });
  url = relay.url;
  close = relay.close;
}

process.on('message', (m: Msg) => {
  if (m.kind === 'rss') {
    globalThis.gc?.();
    process.send!({ kind: 'rss', rss: process.memoryUsage().rss });
  } else if (m.kind === 'cpu') {
    const u = process.cpuUsage();
    process.send!({ kind: 'cpu', cpu: (u.user + u.system) / 1000 });
  } else if (m.kind === 'stop') {
    void close().then(() => process.exit(0));
  }
});
process.send!({ kind: 'ready', url });
