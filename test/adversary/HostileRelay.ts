/**
 * The relay as an adversary (DESIGN.md §2): a WebSocket proxy on 127.0.0.1 in front of a real
 * relay. Every frame in both directions is decoded with the project's relay protocol schema and
 * handed to the test, which may let it pass, drop it, delay it (await in the handler), rewrite it
 * (return other frames), keep it to replay or reorder later, or inject frames of its own: forged
 * pushes to the engine, forged answers to its requests. Engines reach it through the relay URL of
 * their org.json, so they cannot tell it from the relay.
 */
import type { AddressInfo } from 'node:net';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type {
  RelayResponseSchema} from '../../src/gen/valise/v1/relay_pb.ts';
import {
  ClientFrameSchema,
  ServerFrameSchema,
  type ClientFrame,
  type RelayRequest,
  type ServerFrame,
} from '../../src/gen/valise/v1/relay_pb.ts';

/** What a handler decides for one frame: let it through, drop it, or send these frames instead. */
export type Verdict<F> = 'pass' | 'drop' | F[];
export type ClientHandler = (frame: ClientFrame, c: HostileConnection) => Verdict<ClientFrame> | Promise<Verdict<ClientFrame>>;
export type ServerHandler = (frame: ServerFrameOf, c: HostileConnection) => Verdict<ServerFrameOf> | Promise<Verdict<ServerFrameOf>>;
type ServerFrameOf = ServerFrame;

const decodeServer = (b: Uint8Array): ServerFrame => fromBinary(ServerFrameSchema, b);

/** One engine's connection through the proxy. */
export class HostileConnection {
  /** Set once the relay answered the device's authentication. */
  device: { userId: string; deviceId: number } | null = null;
  /** Every frame seen, in order, as decoded (for replay). */
  readonly fromClient: ClientFrame[] = [];
  readonly fromRelay: ServerFrameOf[] = [];
  private toClientChain: Promise<unknown> = Promise.resolve();
  private toRelayChain: Promise<unknown> = Promise.resolve();
  private readonly requests = new Map<bigint, RelayRequest['op']['case']>();

  constructor(
    private readonly client: WebSocket,
    private readonly upstream: WebSocket,
    private readonly proxy: HostileRelay,
  ) {}

  /** Sends a frame to the engine as if the relay had (a forged push or answer, or a replay). */
  toClient(frame: ServerFrameOf | MessageInitShape<typeof ServerFrameSchema>): void {
    if (this.client.readyState === WebSocket.OPEN) this.client.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, frame)));
  }

  /** Sends a frame to the relay as if the engine had. */
  toRelay(frame: ClientFrame | MessageInitShape<typeof ClientFrameSchema>): void {
    if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, frame)));
  }

  /** A forged delivery push (a channel change, a wipe, a revocation, an envelope). */
  push(kind: 'envelope' | 'channelChange' | 'wipe' | 'revocation', id: Uint8Array, payload: Uint8Array, channelId: Uint8Array = new Uint8Array(0)): void {
    const k = { envelope: 1, channelChange: 2, wipe: 3, revocation: 4 }[kind];
    this.toClient({ body: { case: 'push', value: { body: { case: 'delivery', value: { id, kind: k, payload, channelId } } } } });
  }

  /** A forged answer to the engine's request `id`. */
  answer(id: bigint, result: MessageInitShape<typeof RelayResponseSchema>['result']): void {
    this.toClient({ body: { case: 'response', value: { id, result } } });
  }

  /** Which operation the engine's request `id` was (answers carry only the id). */
  requestKind(id: bigint): RelayRequest['op']['case'] {
    return this.requests.get(id);
  }

  close(): void {
    this.client.terminate();
    this.upstream.terminate();
  }

  /** @internal */
  fromClientBytes(b: Uint8Array): void {
    this.toRelayChain = this.toRelayChain.then(async () => {
      let frame: ClientFrame;
      try {
        frame = fromBinary(ClientFrameSchema, b);
      } catch {
        // Not ours to judge: the relay closes the connection for a bad frame.
        if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(b);
        return;
      }
      this.fromClient.push(frame);
      if (frame.body.case === 'request') this.requests.set(frame.body.value.id, frame.body.value.op.case);
      const v = await this.proxy.judgeClient(frame, this);
      if (v === 'pass') {
        if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(b);
      } else if (v !== 'drop') for (const f of v) this.toRelay(f);
    });
  }

  /** @internal */
  fromRelayBytes(b: Uint8Array): void {
    this.toClientChain = this.toClientChain.then(async () => {
      const frame = decodeServer(b);
      this.fromRelay.push(frame);
      const r = frame.body.case === 'response' ? frame.body.value.result : undefined;
      if (r?.case === 'authenticated') this.device = { userId: r.value.userId, deviceId: r.value.deviceId };
      const v = await this.proxy.judgeServer(frame, this);
      if (v === 'pass') {
        if (this.client.readyState === WebSocket.OPEN) this.client.send(b);
      } else if (v !== 'drop') for (const f of v) this.toClient(f);
    });
  }
}

export class HostileRelay {
  readonly connections: HostileConnection[] = [];
  private clientHandlers: ClientHandler[] = [];
  private serverHandlers: ServerHandler[] = [];

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
    private readonly upstreamUrl: string,
  ) {}

  /** Starts the proxy on a random 127.0.0.1 port in front of the relay at `upstreamUrl`. */
  static async start(upstreamUrl: string): Promise<HostileRelay> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const { port } = server.address() as AddressInfo;
    const proxy = new HostileRelay(server, `ws://127.0.0.1:${port}`, upstreamUrl);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** Frames from engines to the relay; handlers run in order, the first verdict other than 'pass' wins. */
  onClient(h: ClientHandler): () => void {
    this.clientHandlers.push(h);
    return () => (this.clientHandlers = this.clientHandlers.filter((x) => x !== h));
  }

  /** Frames from the relay to engines. */
  onServer(h: ServerHandler): () => void {
    this.serverHandlers.push(h);
    return () => (this.serverHandlers = this.serverHandlers.filter((x) => x !== h));
  }

  /** The live connections of one user (after authentication). */
  of(userId: string): HostileConnection[] {
    return this.connections.filter((c) => c.device?.userId === userId);
  }

  /** @internal */
  async judgeClient(frame: ClientFrame, c: HostileConnection): Promise<Verdict<ClientFrame>> {
    for (const h of this.clientHandlers) {
      const v = await h(frame, c);
      if (v !== 'pass') return v;
    }
    return 'pass';
  }

  /** @internal */
  async judgeServer(frame: ServerFrameOf, c: HostileConnection): Promise<Verdict<ServerFrameOf>> {
    for (const h of this.serverHandlers) {
      const v = await h(frame, c);
      if (v !== 'pass') return v;
    }
    return 'pass';
  }

  async close(): Promise<void> {
    for (const c of this.connections.splice(0)) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: WebSocket): void {
    const upstream = new WebSocket(this.upstreamUrl, { perMessageDeflate: false });
    const conn = new HostileConnection(client, upstream, this);
    this.connections.push(conn);
    // Frames from the engine wait until the relay connection is open.
    const early: Uint8Array[] = [];
    const bytes = (d: RawData) => new Uint8Array(Array.isArray(d) ? Buffer.concat(d) : (d as Buffer));
    client.on('message', (d) => (upstream.readyState === WebSocket.OPEN ? conn.fromClientBytes(bytes(d)) : early.push(bytes(d))));
    upstream.on('open', () => {
      for (const b of early.splice(0)) conn.fromClientBytes(b);
    });
    upstream.on('message', (d) => conn.fromRelayBytes(bytes(d)));
    const drop = () => {
      const i = this.connections.indexOf(conn);
      if (i >= 0) this.connections.splice(i, 1);
      conn.close();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  }
}
