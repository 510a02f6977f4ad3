/**
 * A hostile relay for tests: a WebSocket proxy on 127.0.0.1 in front of the real relay that reads
 * every frame and may rewrite the relay's answers (`toClient`) before the client sees them; what
 * clients send is recorded (`sent`) and forwarded unchanged. With it a test plays the relay that
 * lies in its answers while the real relay keeps the state.
 */
import { fromBinary, toBinary, type MessageShape } from '@bufbuild/protobuf';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ClientFrameSchema, ServerFrameSchema } from '../../src/gen/valise/v1/relay_pb.ts';

export type ServerFrame = MessageShape<typeof ServerFrameSchema>;
export type ClientFrame = MessageShape<typeof ClientFrameSchema>;

export class RewritingProxy {
  /** Every frame a client sent through the proxy, decoded. */
  readonly sent: ClientFrame[] = [];
  /** Rewrites a relay frame in place; return true when it changed it. */
  toClient: (f: ServerFrame) => boolean = () => false;
  private server: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.server!.once('listening', () => resolve()));
    this.server.on('connection', (client) => this.pipe(client));
    return this;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private pipe(client: WebSocket): void {
    const upstream = new WebSocket(this.target, { perMessageDeflate: false });
    this.sockets.add(client).add(upstream);
    const early: Buffer[] = [];
    upstream.on('open', () => early.splice(0).forEach((m) => upstream.send(m)));
    client.on('message', (data: Buffer) => {
      try {
        this.sent.push(fromBinary(ClientFrameSchema, new Uint8Array(data)));
      } catch {
        // Not ours to judge: forwarded as it is.
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data);
      else early.push(data);
    });
    upstream.on('message', (data: Buffer) => {
      let out: Uint8Array = data;
      try {
        const f = fromBinary(ServerFrameSchema, new Uint8Array(data));
        if (this.toClient(f)) out = toBinary(ServerFrameSchema, f);
      } catch {
        // Forward what cannot be decoded unchanged.
      }
      if (client.readyState === WebSocket.OPEN) client.send(out);
    });
    const end = () => {
      client.terminate();
      upstream.terminate();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }
}
