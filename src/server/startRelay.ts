/**
 * Starts a relay in this process (DESIGN.md §7): `npm run server`, tests, the engine's scenario
 * tests and the app's "start a local organisation on this machine" all go through here.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { CLOSE } from '../relay/errors.ts';
import { DEFAULT_LIMITS, Relay, type RelayLimits } from './Relay.ts';
import { RelayConnection } from './RelayConnection.ts';
import { SocketBatcher } from '../relay/SocketBatcher.ts';
import type { BlobStore } from './blobs/BlobStore.ts';
import { FileBlobStore } from './blobs/FileBlobStore.ts';
import { SqliteRelayStore } from './store/SqliteRelayStore.ts';
import type { RelayStore } from './store/RelayStore.ts';
import { CryptoRelayTrust } from './trust/CryptoRelayTrust.ts';

export interface RelayOptions {
  orgId: string;
  /** The organisation root public key (serialized), pinned. */
  orgPublicKey: Uint8Array;
  host?: string;
  /** 0 (the default) lets the OS choose. */
  port?: number;
  /** Directory of the SQLite store; omitted: an in-memory store (tests, throwaway relays). */
  dataDir?: string;
  /** A store to use instead of SQLite (e.g. PostgreSQL). */
  store?: RelayStore;
  tls?: { certFile: string; keyFile: string };
  limits?: Partial<RelayLimits>;
  logger?: Logger;
  now?: () => number;
  /**
   * Where attachment blobs live. Default: `<dataDir>/blobs`, or without a data directory a
   * temporary folder removed on close.
   */
  blobStore?: BlobStore;
  /** How often expired queue items and blobs are swept (default one minute). */
  sweepEveryMs?: number;
}

export interface RunningRelay {
  url: string;
  port: number;
  relay: Relay;
  /** Stops accepting, closes every connection with "going away", flushes the store. */
  close(): Promise<void>;
}

export async function startRelay(o: RelayOptions): Promise<RunningRelay> {
  const log = o.logger ?? pino({ level: 'silent' });
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const store = o.store ?? new SqliteRelayStore(o.dataDir ? path.join(o.dataDir, 'relay.db') : ':memory:');
  const trust = new CryptoRelayTrust(o.orgId, o.orgPublicKey);
  const blobDir = o.blobStore ? undefined : o.dataDir ? path.join(o.dataDir, 'blobs') : await fsp.mkdtemp(path.join(os.tmpdir(), 'valise-relay-blobs-'));
  const blobStore = o.blobStore ?? (await FileBlobStore.open(blobDir!, {
    maxBlobBytes: trust.blobLength(limits.maxAttachmentBytes),
    deviceQuotaBytes: limits.blobQuotaBytes,
    isBlobLength: (n) => trust.isBlobLength(n),
  }));
  const relay = new Relay(store, trust, limits, log, o.now, blobStore);
  await relay.init();

  const server = o.tls
    ? https.createServer({ cert: fs.readFileSync(o.tls.certFile), key: fs.readFileSync(o.tls.keyFile) })
    : http.createServer();
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('Valise relay: connect with a WebSocket.\n');
  });
  const wss = new WebSocketServer({ server, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: true });
  wss.on('connection', (ws, req) => {
    try {
      new RelayConnection(ws, relay, new SocketBatcher(req.socket), req.socket.remoteAddress ?? '');
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : 'unknown' }, 'connection setup failed');
      ws.terminate();
    }
  });
  wss.on('error', (e) => log.error({ err: e.message }, 'websocket server error'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host ?? '127.0.0.1';
  const url = `${o.tls ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const sweeper = setInterval(() => {
    relay.expire().catch((e: unknown) => log.error({ err: e instanceof Error ? e.message : 'unknown' }, 'expiry sweep failed'));
  }, o.sweepEveryMs ?? 60_000);
  sweeper.unref();
  log.info({ url }, 'relay listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    relay,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const ws of wss.clients) ws.close(CLOSE.GOING_AWAY, 'relay shutting down');
          // Peers that do not finish the close handshake are cut after a grace period.
          setTimeout(() => {
            for (const ws of wss.clients) ws.terminate();
            server.closeAllConnections();
          }, 1500).unref();
        });
        wss.close();
        await store.close();
        if (!o.blobStore && !o.dataDir) await fsp.rm(blobDir!, { recursive: true, force: true });
        log.info('relay stopped');
      })()),
  };
}
