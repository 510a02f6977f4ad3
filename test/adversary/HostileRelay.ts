/**
 * A hostile relay for adversary tests: a WebSocket server on 127.0.0.1 (random port) in front of
 * the real relay. By default it passes every frame through unchanged; a test makes it answer
 * requests itself, drop or rewrite frames, inject its own pushes and cut connections — everything
 * a relay operator can do, nothing that needs a key it does not hold.
 */
import type { AddressInfo } from 'node:net';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { ClientFrameSchema, ServerFrameSchema, type ClientFrame, type ServerFrame } from '../../src/gen/valise/v1/relay_pb.ts';

type ServerFrameInit = MessageInitShape<typeof ServerFrameSchema>;

/** What the relay does with a frame from a client: forward it, swallow it, or answer it itself. */
export type ClientFrameVerdict = { forward: true } | { forward: false; answer?: ServerFrameInit; thenClose?: boolean };

export interface HostileConnection {
  readonly client: WebSocket;
  /** Sends a frame the real relay never sent. */
  inject(frame: ServerFrameInit): void;
  close(): void;
}

export class HostileRelay {
  private server!: WebSocketServer;
  private readonly open = new Set<HostileConnection>();
  /** Every client frame seen, in order (decoded), for assertions. */
  readonly seen: ClientFrame[] = [];
  /** Connections accepted so far. */
  connections = 0;
  onClientFrame: (f: ClientFrame, c: HostileConnection) => ClientFrameVerdict = () => ({ forward: true });
  onServerFrame: (f: ServerFrame, c: HostileConnection) => ServerFrame | null = (f) => f;

  constructor(private readonly upstreamUrl: string) {}

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.server.once('listening', () => resolve()));
    this.server.on('connection', (client) => this.proxy(client));
    return this;
  }

  /** Every connection now open. */
  get live(): HostileConnection[] {
    return [...this.open];
  }

  /** Cuts every connection (the device then reconnects). */
  cutAll(): void {
    for (const c of this.open) c.close();
  }

  async stop(): Promise<void> {
    for (const c of this.open) c.client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private proxy(client: WebSocket): void {
    this.connections++;
    const upstream = new WebSocket(this.upstreamUrl);
    const backlog: Buffer[] = [];
    const conn: HostileConnection = {
      client,
      inject: (frame) => client.readyState === client.OPEN && client.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, frame))),
      close: () => {
        client.close(1000, 'bye');
        upstream.terminate();
      },
    };
    this.open.add(conn);
    const done = () => {
      this.open.delete(conn);
      client.terminate();
      upstream.terminate();
    };
    client.on('close', done);
    upstream.on('close', done);
    upstream.on('error', done);
    client.on('error', done);
    upstream.on('open', () => {
      for (const b of backlog.splice(0)) upstream.send(b);
    });
    client.on('message', (data: RawData) => {
      const bytes = toBuffer(data);
      const frame = fromBinary(ClientFrameSchema, bytes);
      this.seen.push(frame);
      const verdict = this.onClientFrame(frame, conn);
      if (!verdict.forward) {
        if (verdict.answer) conn.inject(verdict.answer);
        if (verdict.thenClose) setTimeout(() => conn.close(), 20);
        return;
      }
      if (upstream.readyState === upstream.OPEN) upstream.send(bytes);
      else backlog.push(bytes);
    });
    upstream.on('message', (data: RawData) => {
      const bytes = toBuffer(data);
      const parsed = fromBinary(ServerFrameSchema, bytes);
      const out = this.onServerFrame(parsed, conn);
      if (out && client.readyState === client.OPEN) client.send(out === parsed ? bytes : toBinary(ServerFrameSchema, out));
    });
  }
}

function toBuffer(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}
