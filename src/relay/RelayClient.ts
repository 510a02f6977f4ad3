/**
 * A typed client of the relay protocol, for the client engine, the admin CLI and tests: connects
 * (version handshake), authenticates by signing the connection's challenge, sends requests with
 * ids and awaits their typed responses, hands pushes to a listener, and acknowledges deliveries.
 * It does not reconnect by itself; the engine decides when to.
 */
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import {
  ClientFrameSchema,
  RelayProtocolVersion,
  type Delivery_Kind,
  ServerFrameSchema,
  type RelayPush,
  type RelayRequestSchema,
  type RelayResponse,
} from '../gen/valise/v1/relay_pb.ts';
import { downloadBlob, uploadBlob, type BlobDownload, type BlobUpload } from './BlobTransfer.ts';
import { RelayRefused, RelayUnavailable } from './errors.ts';
import { SocketBatcher } from './SocketBatcher.ts';
import { encodeAck, encodeSendRequest, readServerFrame } from './wire.ts';

type RequestOp = MessageInitShape<typeof RelayRequestSchema>['op'];
type Result = RelayResponse['result'];
type ResultOf<C extends NonNullable<Result['case']>> = Extract<Result, { case: C }>['value'];

export interface RelayClientOptions {
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Sent in the hello; only tests change it. */
  protocolVersion?: number;
  /** Extra `ws` options (e.g. a private CA for TLS). */
  ws?: ConstructorParameters<typeof WebSocket>[2];
  /**
   * SHA-256 (hex) of the relay's TLS certificate (org.json `relayCertificateSha256`). When set, the
   * connection is accepted only if the relay presents exactly that certificate, whoever signed it.
   */
  pinSha256?: string;
}

/** One channel as ListChannels returns it. */
export interface ChannelListing {
  channelId: Uint8Array;
  /** The current signed state record, encoded (crypto's `decodeChannelState` reads it). */
  state: Uint8Array;
}

export interface Closed {
  code: number;
  reason: string;
}

export class RelayClient {
  private nextId = 1n;
  private readonly pending = new Map<bigint, { resolve: (r: Result) => void; reject: (e: Error) => void; deadline: number }>();
  /** One sweep for all request deadlines: a timer per request costs more than the request. */
  private sweeper: NodeJS.Timeout | undefined;
  private readonly pushListeners = new Set<(p: RelayPush['body']) => void>();
  private closedWith: Closed | undefined;
  private readonly acks: Uint8Array[] = [];
  private readonly closedPromise: Promise<Closed>;

  private constructor(
    private readonly ws: WebSocket,
    readonly challenge: Uint8Array,
    private readonly timeoutMs: number,
    private readonly batcher: SocketBatcher | undefined,
    /** The relay's time in its welcome, and this process's monotonic time when it arrived. */
    private readonly welcomeTime: { serverMs: number; at: number },
  ) {
    this.closedPromise = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        clearInterval(this.sweeper);
        for (const p of this.pending.values()) {
          p.reject(new RelayUnavailable(`connection closed: ${code} ${reason.toString()}`, code));
        }
        this.pending.clear();
        resolve(this.closedWith);
      });
    });
    ws.on('message', (data) => this.onMessage(data as Buffer));
  }

  /** Opens a connection and completes the version handshake. */
  static async connect(url: string, o: RelayClientOptions = {}): Promise<RelayClient> {
    const pin = o.pinSha256?.toLowerCase();
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(pin ? { rejectUnauthorized: false } : {}), ...o.ws });
    ws.binaryType = 'nodebuffer';
    let batcher: SocketBatcher | undefined;
    let pinFailed = false;
    ws.once('upgrade', (res) => {
      if (pin) {
        // Checked before anything of ours is sent: only the HTTP upgrade request went out.
        const raw = (res.socket as TLSSocket).getPeerCertificate?.()?.raw;
        if (!raw || createHash('sha256').update(raw).digest('hex') !== pin) {
          pinFailed = true;
          ws.terminate();
          return;
        }
      }
      batcher = new SocketBatcher(res.socket);
    });
    let welcomeTime = { serverMs: 0, at: 0 };
    const challenge = await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new RelayUnavailable('handshake timed out'));
      }, o.timeoutMs ?? 10_000);
      const pinError = () => new RelayRefused('CERTIFICATE_PIN_MISMATCH', 'The relay presented another TLS certificate than the one pinned in org.json. Do not connect; tell your security officer.');
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(pinFailed ? pinError() : new RelayUnavailable(e.message, undefined, { cause: e }));
      });
      ws.once('close', (code, reason) => {
        clearTimeout(timer);
        if (pinFailed) reject(pinError());
        else reject(new RelayRefused(`CLOSED_${code}`, `The relay closed the connection: ${reason.toString() || code}.`));
      });
      ws.once('open', () => {
        const hello = create(ClientFrameSchema, { body: { case: 'hello', value: { protocolVersion: o.protocolVersion ?? RelayProtocolVersion.RELAY_PROTOCOL_VERSION_2 } } });
        ws.send(toBinary(ClientFrameSchema, hello));
      });
      ws.once('message', (data) => {
        clearTimeout(timer);
        try {
          const f = fromBinary(ServerFrameSchema, data as Buffer);
          if (f.body.case !== 'welcome') throw new Error('expected welcome');
          welcomeTime = { serverMs: Number(f.body.value.serverTimeMs), at: performance.now() };
          resolve(f.body.value.challenge);
        } catch (e) {
          ws.terminate();
          reject(new RelayUnavailable('bad handshake', undefined, { cause: e }));
        }
      });
    });
    ws.removeAllListeners('error');
    ws.removeAllListeners('close');
    ws.on('error', () => undefined);
    return new RelayClient(ws, challenge, o.timeoutMs ?? 15_000, batcher, welcomeTime);
  }

  /** The relay's time now, as its welcome said (0 when the relay did not say). */
  relayTimeMs(): number {
    const { serverMs, at } = this.welcomeTime;
    return serverMs > 0 ? Math.round(serverMs + (performance.now() - at)) : 0;
  }

  /** Sends a request and returns its typed result; a RelayError response rejects with RelayRefused. */
  async request<C extends NonNullable<Result['case']>>(op: RequestOp, expect: C): Promise<ResultOf<C>> {
    const r = await this.call(op);
    if (r.case === 'error') throw new RelayRefused(r.value.code, r.value.message, r.value.revocation);
    if (r.case !== expect) throw new RelayRefused('UNEXPECTED_RESPONSE', `The relay answered ${r.case ?? 'nothing'} instead of ${expect}.`);
    return r.value as ResultOf<C>;
  }

  /** Sends a request and returns whatever the relay answered (including errors). */
  call(op: RequestOp): Promise<Result> {
    if (this.closedWith) return Promise.reject(new RelayUnavailable('connection closed', this.closedWith.code));
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: performance.now() + this.timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), Math.min(1000, this.timeoutMs)).unref();
      // Sends (most of the traffic) are written without the generic encoder.
      const envelope = op?.case === 'send' ? (op.value as { envelope?: Uint8Array }).envelope : undefined;
      const fast = envelope?.length ? encodeSendRequest(id, envelope) : undefined;
      if (fast) this.sendBytes(fast);
      else this.sendFrame({ case: 'request', value: { id, op } });
    });
  }

  /** Proves this connection belongs to a sanctioned device (sign = identity key over the challenge). */
  authenticate(deviceCertificate: Uint8Array, sign: (challenge: Uint8Array) => Uint8Array): Promise<ResultOf<'authenticated'>> {
    return this.request({ case: 'authenticate', value: { deviceCertificate, signature: sign(this.challenge) } }, 'authenticated');
  }

  /** Makes this an admin connection (sign = organisation root key over the challenge). */
  async authenticateAdmin(sign: (challenge: Uint8Array) => Uint8Array): Promise<void> {
    await this.request({ case: 'authenticateAdmin', value: { signature: sign(this.challenge) } }, 'ok');
  }

  /**
   * Live channels this device may see: every channel of the organisation for a security officer,
   * else only the channels whose current state lists this device's user.
   */
  async listChannels(): Promise<ChannelListing[]> {
    const r = await this.request({ case: 'listChannels', value: {} }, 'channelList');
    return r.channels.map((c) => ({ channelId: c.channelId, state: c.state }));
  }

  /** A channel's signed chain from its first state, in order (for a current or former member, or a security officer). */
  async fetchChannelState(channelId: Uint8Array): Promise<Uint8Array[]> {
    return (await this.request({ case: 'fetchChannelState', value: { channelId } }, 'channelState')).changes;
  }

  /** Publishes a signed channel state change (e.g. an officer's pause or resume). */
  async publishChannelChange(change: Uint8Array): Promise<void> {
    await this.request({ case: 'publishChannelChange', value: { change } }, 'ok');
  }

  /** Sends a signed wipe command; returns the number of member devices it was queued for. */
  async sendWipe(wipe: Uint8Array): Promise<number> {
    return (await this.request({ case: 'sendWipe', value: { wipe } }, 'sent')).recipients;
  }

  /**
   * Uploads an encrypted attachment blob into a channel and returns its id once the relay checked
   * length and digest. A dropped connection throws `BlobTransferInterrupted`; call again on a new
   * connection with its `blobId` to continue after the bytes the relay holds.
   */
  uploadBlob(upload: BlobUpload): Promise<Uint8Array> {
    return uploadBlob(this, upload);
  }

  /**
   * A blob's bytes as they arrive, from `offset` (memory bounded). A dropped connection throws
   * `BlobTransferInterrupted` with the bytes handed out so far: continue from there.
   */
  downloadBlob(blobId: Uint8Array, o: BlobDownload = {}): AsyncGenerator<Uint8Array> {
    return downloadBlob(this, blobId, o);
  }

  /** The attachment is safely stored on this device: the relay may delete the blob once every recipient device said so. */
  async ackBlob(blobId: Uint8Array): Promise<void> {
    await this.request({ case: 'ackBlob', value: { blobId } }, 'ok');
  }

  onPush(listener: (p: RelayPush['body']) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** Acknowledges deliveries: only call once they are safely stored; the relay then deletes them. */
  ack(ids: Uint8Array[]): void {
    if (ids.length === 0) return;
    // Acks of one event-loop turn travel in one frame.
    if (this.acks.length === 0) setImmediate(() => this.flushAcks());
    this.acks.push(...ids);
  }

  private flushAcks(): void {
    const ids = this.acks.splice(0, this.acks.length);
    for (let i = 0; i < ids.length; i += 1000) this.sendBytes(encodeAck(ids.slice(i, i + 1000)));
  }

  /** Sends raw bytes as one frame (tests of bad input only). */
  sendRaw(bytes: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
  }

  get closed(): Promise<Closed> {
    return this.closedPromise;
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  async close(): Promise<void> {
    if (this.closedWith) return;
    this.flushAcks();
    this.ws.close(1000, 'bye');
    const t = setTimeout(() => this.ws.terminate(), 1000);
    await this.closedPromise;
    clearTimeout(t);
  }

  /** Drops the connection without a close handshake (like a crashed client). */
  kill(): void {
    this.ws.terminate();
  }

  private sendFrame(body: MessageInitShape<typeof ClientFrameSchema>['body']): void {
    this.sendBytes(toBinary(ClientFrameSchema, create(ClientFrameSchema, { body })));
  }

  private sendBytes(frame: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.batcher?.hold();
    this.ws.send(frame, { binary: true });
  }

  private sweep(): void {
    const now = performance.now();
    for (const [id, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(id);
      p.reject(new RelayUnavailable('request timed out'));
    }
  }

  private onMessage(data: Buffer): void {
    // A plain Uint8Array view, so decoded bytes fields are not Buffers.
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const fast = readServerFrame(bytes);
    if (fast?.case === 'delivery') {
      const { id, kind, payload, channelId, relayTimeMs } = fast;
      const body: RelayPush['body'] = { case: 'delivery', value: { $typeName: 'valise.v1.Delivery', id, kind: kind as Delivery_Kind, payload, channelId, relayTimeMs: BigInt(relayTimeMs) } };
      for (const l of this.pushListeners) l(body);
      return;
    }
    if (fast?.case === 'sent') {
      const p = this.pending.get(fast.id);
      if (!p) return;
      this.pending.delete(fast.id);
      p.resolve({ case: 'sent', value: { $typeName: 'valise.v1.Sent', recipients: fast.recipients } });
      return;
    }
    let f;
    try {
      f = fromBinary(ServerFrameSchema, bytes);
    } catch {
      this.ws.close(1007, 'malformed frame');
      return;
    }
    if (f.body.case === 'response') {
      const p = this.pending.get(f.body.value.id);
      if (!p) return;
      this.pending.delete(f.body.value.id);
      p.resolve(f.body.value.result);
    } else if (f.body.case === 'push') {
      for (const l of this.pushListeners) l(f.body.value.body);
    }
  }
}
