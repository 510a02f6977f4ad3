/**
 * One WebSocket connection to the relay: the handshake (version, challenge), authentication,
 * request dispatch to the handler table (requestHandlers.ts) with typed responses, the delivery
 * pump (DeliveryPump.ts) for the device's queue, and the limits that keep one bad client from
 * hurting the others. A frame that does not decode closes this connection with a code; nothing a
 * client sends can throw out of here.
 */
import { randomBytes } from 'node:crypto';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import type { WebSocket } from 'ws';
import {
  ClientFrameSchema,
  EnrolmentStatus_State,
  RelayProtocolVersion,
  ServerFrameSchema,
  type RelayPushSchema,
  type RelayRequest,
} from '../gen/valise/v1/relay_pb.ts';
import { toValiseError } from '../shared/errors.ts';
import { DeliveryPump } from './DeliveryPump.ts';
import { CLOSE, RelayError } from '../relay/errors.ts';
import type { EnrolmentOrigin } from './relay/Enrolments.ts';
import type { DeviceSink, Relay } from './Relay.ts';
import { handleRequest, requestWrites, type RequestContext, type ResponseResult } from './requestHandlers.ts';
import type { SocketBatcher } from '../relay/SocketBatcher.ts';
import type { DeviceAddress, QueuedItem } from './store/RelayStore.ts';
import type { DeviceCertInfo } from './trust/RelayTrust.ts';
import { encodeSentResponse, readClientFrame } from '../relay/wire.ts';

export const PROTOCOL_VERSION = RelayProtocolVersion.RELAY_PROTOCOL_VERSION_2;

type Phase = 'hello' | 'open' | 'device' | 'admin' | 'closed';

type PushBody = MessageInitShape<typeof RelayPushSchema>['body'];
type ServerBody = MessageInitShape<typeof ServerFrameSchema>['body'];

export class RelayConnection implements DeviceSink, RequestContext {
  private phase: Phase = 'hello';
  private challenge: Uint8Array | undefined;
  private address: DeviceAddress | undefined;
  private tokens: number;
  private lastRefill = performance.now();
  private pump: DeliveryPump | undefined;
  private readonly cleanups: (() => void)[] = [];
  private handshakeTimer: NodeJS.Timeout;
  private enrolmentsSubmitted = 0;
  private enrolmentWaitArmed = false;
  /** Enrolment requests this connection waits on. */
  private readonly awaited = new Set<string>();

  constructor(
    private readonly ws: WebSocket,
    readonly relay: Relay,
    private readonly batcher?: SocketBatcher,
    /** The peer's network address, for the limits on anonymous requests. */
    private readonly remoteAddress = '',
  ) {
    this.tokens = relay.limits.requestBurst;
    this.handshakeTimer = setTimeout(() => {
      if (this.phase === 'hello' || this.phase === 'open') this.close(CLOSE.HANDSHAKE_TIMEOUT, 'handshake timeout');
    }, relay.limits.handshakeTimeoutMs);
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.onClose());
    ws.on('error', () => this.onClose());
  }

  get device(): DeviceAddress {
    return this.address!;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.phase === 'closed') return;
    if (!isBinary) return this.close(CLOSE.MALFORMED, 'text frames are not accepted');
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (this.phase === 'device') {
      // The frames of every delivery, read without the generic decoder.
      const fast = readClientFrame(bytes);
      if (fast?.case === 'ack') return void this.pump?.ack(fast.ids);
      if (fast?.case === 'send') {
        if (this.takeToken()) void this.onSend(fast.id, fast.envelope);
        else if ((this.phase as Phase) !== 'closed') this.rateLimited(fast.id);
        return;
      }
    }
    let frame;
    try {
      frame = fromBinary(ClientFrameSchema, bytes);
    } catch {
      return this.close(CLOSE.MALFORMED, 'malformed frame');
    }
    const body = frame.body;
    if (this.phase === 'hello') {
      if (body.case !== 'hello') return this.close(CLOSE.MALFORMED, 'expected hello');
      if (body.value.protocolVersion !== PROTOCOL_VERSION) {
        return this.close(CLOSE.PROTOCOL_VERSION, `unsupported protocol version ${body.value.protocolVersion}; this relay speaks ${PROTOCOL_VERSION}. Update Valise`);
      }
      this.challenge = randomBytes(32);
      this.phase = 'open';
      this.send({ case: 'welcome', value: { protocolVersion: PROTOCOL_VERSION, challenge: this.challenge, serverTimeMs: BigInt(Date.now()) } });
      return;
    }
    switch (body.case) {
      case 'request':
        if (!this.takeToken()) {
          if ((this.phase as Phase) !== 'closed') this.rateLimited(body.value.id);
          return;
        }
        void this.onRequest(body.value);
        return;
      case 'ack':
        if (this.phase !== 'device') return this.close(CLOSE.MALFORMED, 'ack before authentication');
        void this.pump?.ack(body.value.ids);
        return;
      default:
        return this.close(CLOSE.MALFORMED, 'unexpected frame');
    }
  }

  /** Token bucket per connection: over the limit a request is refused; far over it, the connection is cut. */
  private takeToken(): boolean {
    const now = performance.now();
    const { requestsPerSecond, requestBurst } = this.relay.limits;
    this.tokens = Math.min(requestBurst, this.tokens + ((now - this.lastRefill) / 1000) * requestsPerSecond);
    this.lastRefill = now;
    this.tokens -= 1;
    if (this.tokens < -requestBurst) this.close(CLOSE.RATE_LIMITED, 'rate limit exceeded');
    return this.tokens >= 0;
  }

  private rateLimited(id: bigint): void {
    const value = { code: 'RATE_LIMITED', message: 'Too many requests; slow down and retry in a moment.' };
    this.send({ case: 'response', value: { id, result: { case: 'error', value } } });
  }

  /** A send request read by the fast path: same work and answers as through the handler table. */
  private async onSend(id: bigint, envelope: Uint8Array): Promise<void> {
    let recipients: number;
    try {
      recipients = await this.relay.router.send(this.requireDevice(), envelope);
    } catch (e) {
      return this.answer(id, this.refusal(e, 'send'));
    }
    this.sendBytes(encodeSentResponse(id, recipients));
  }

  private async onRequest(req: RelayRequest): Promise<void> {
    let result: ResponseResult;
    try {
      result = await handleRequest(this, req);
    } catch (e) {
      result = this.refusal(e, req.op.case);
    }
    if (requestWrites(req)) {
      // Whatever the request wrote (a refusal may have written an audit entry) is on stable storage before the answer.
      try {
        await this.relay.store.sync?.();
      } catch (e) {
        result = this.refusal(e, req.op.case);
      }
    }
    this.answer(req.id, result);
  }

  private refusal(e: unknown, op: string | undefined): ResponseResult {
    const err = e instanceof RelayError ? e : toValiseError(e);
    if (!(e instanceof RelayError)) {
      // Our own failure: its name and message help fix it and hold no content (frames are not logged).
      const cause = e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : 'unknown';
      this.relay.log.warn({ err: err.toLog(), cause, op }, 'request failed');
    }
    const revocation = e instanceof RelayError ? e.revocation : undefined;
    return { case: 'error', value: { code: err.code, message: err.userMessage, ...(revocation ? { revocation } : {}) } };
  }

  private answer(id: bigint, result: ResponseResult): void {
    this.send({ case: 'response', value: { id, result } });
    const code = result?.case === 'error' ? (result.value.code ?? '') : '';
    if (code.startsWith('AUTH_')) this.close(CLOSE.AUTH_FAILED, code);
    if (code === 'TOO_MANY_CONNECTIONS') this.close(CLOSE.TOO_MANY_CONNECTIONS, 'too many connections');
  }

  // ---- RequestContext ----

  takeChallenge(): Uint8Array {
    // One signature per connection: a second attempt, or a replay on a new connection, cannot pass.
    const c = this.challenge;
    this.challenge = undefined;
    if (!c || this.phase !== 'open') throw new RelayError('AUTH_CHALLENGE_USED', 'This connection has used its challenge already. Reconnect to authenticate.');
    return c;
  }

  requireDevice(): DeviceAddress {
    if (this.phase !== 'device' || !this.address) throw new RelayError('NOT_AUTHENTICATED', 'Authenticate the device first.');
    return this.address;
  }

  requireAdmin(): void {
    if (this.phase !== 'admin') throw new RelayError('FORBIDDEN', 'Only the security officer (organisation root key) may do this.');
  }

  requireDeviceOrAdmin(): void {
    if (this.phase !== 'admin') this.requireDevice();
  }

  async becomeDevice(cert: DeviceCertInfo): Promise<number> {
    this.address = { userId: cert.userId, deviceId: cert.deviceId };
    this.relay.fanOut.attach(this);
    this.phase = 'device';
    clearTimeout(this.handshakeTimer);
    const pump = new DeliveryPump(this.relay, {
      device: this.address,
      mayDeliver: () => this.phase === 'device' && this.relay.fanOut.isPrimary(this),
      sendBytes: (frame) => this.sendBytes(frame),
      backlogDone: () => this.push({ case: 'backlogDone', value: {} }),
    });
    this.pump = pump;
    const backlog = await this.relay.store.queueDepth(this.address);
    this.relay.log.info({ user: cert.userId, device: cert.deviceId }, 'device connected');
    queueMicrotask(() => void pump.pump());
    return backlog;
  }

  becomeAdmin(): void {
    this.phase = 'admin';
    clearTimeout(this.handshakeTimer);
  }

  enrolmentOrigin(): EnrolmentOrigin {
    return { address: this.remoteAddress, submittedHere: this.enrolmentsSubmitted };
  }

  awaitEnrolment(requestId: string, fresh: boolean): void {
    if (fresh) this.enrolmentsSubmitted++;
    if (!this.enrolmentWaitArmed) {
      // The device now waits for a person to compare codes: minutes, not the handshake's seconds.
      // Armed once: sending requests again does not extend it.
      this.enrolmentWaitArmed = true;
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = setTimeout(() => this.close(CLOSE.HANDSHAKE_TIMEOUT, 'enrolment wait over; poll or resubmit'), this.relay.limits.enrolmentWaitMs);
    }
    if (this.awaited.has(requestId)) return;
    this.awaited.add(requestId);
    this.cleanups.push(this.relay.enrolments.waitFor(requestId, {
      nonceIssued: (nonceRecord) => this.push({ case: 'enrolment', value: { state: EnrolmentStatus_State.PENDING, deviceCertificate: new Uint8Array(), memberCertificate: new Uint8Array(), nonceRecord } }),
      approved: (device, member) => this.push({ case: 'enrolment', value: { state: EnrolmentStatus_State.APPROVED, deviceCertificate: device, memberCertificate: member } }),
    }));
  }

  // ---- DeviceSink ----

  wake(items: QueuedItem[]): void {
    if (this.phase === 'device') this.pump?.wake(items);
  }

  /** Becomes the device's delivering connection again (its newer sibling closed). */
  resume(): void {
    this.pump?.restart();
  }

  pushPrekeysLow(counts: { oneTime: number; oneTimeKyber: number }): void {
    this.push({ case: 'prekeysLow', value: counts });
  }

  cut(code: 'AUTH_REVOKED', message: string, revocation: Uint8Array): void {
    this.push({ case: 'closing', value: { code, message, revocation } });
    this.close(CLOSE.REVOKED, 'device revoked');
  }

  // ---- plumbing ----

  private push(body: PushBody): void {
    this.send({ case: 'push', value: { body } });
  }

  private send(body: ServerBody): void {
    this.sendBytes(toBinary(ServerFrameSchema, create(ServerFrameSchema, { body })));
  }

  private sendBytes(frame: Uint8Array): void {
    if (this.phase === 'closed' || this.ws.readyState !== this.ws.OPEN) return;
    this.batcher?.hold();
    this.ws.send(frame, { binary: true });
  }

  close(code: number, reason: string): void {
    if (this.phase === 'closed') return;
    this.onClose();
    this.ws.close(code, reason);
    // A peer that never answers the close handshake is dropped after a short grace.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  private onClose(): void {
    if (this.phase === 'closed') return;
    const wasDevice = this.phase === 'device';
    this.phase = 'closed';
    clearTimeout(this.handshakeTimer);
    for (const c of this.cleanups) c();
    if (wasDevice) {
      const wasPrimary = this.relay.fanOut.isPrimary(this);
      this.relay.fanOut.detach(this);
      // The next newest connection of the device (if any) takes over delivery from the start.
      if (wasPrimary) this.relay.fanOut.handover(this.address!);
    }
  }
}
