/**
 * One WebSocket connection to the relay: the handshake (version, challenge), authentication,
 * request dispatch with typed responses, the delivery pump for the device's queue, and the limits
 * that keep one bad client from hurting the others. A frame that does not decode closes this
 * connection with a code; nothing a client sends can throw out of here.
 */
import { randomBytes } from 'node:crypto';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import type { WebSocket } from 'ws';
import {
  ClientFrameSchema,
  Delivery_Kind,
  EnrolmentStatus_State,
  RelayProtocolVersion,
  ServerFrameSchema,
  type RelayPushSchema,
  type RelayRequest,
  type RelayResponseSchema,
} from '../gen/valise/v1/relay_pb.ts';
import { toValiseError } from '../shared/errors.ts';
import { hex } from '../base/hex.ts';
import { CLOSE, RelayError } from '../relay/errors.ts';
import type { DeviceSink, Relay } from './Relay.ts';
import type { SocketBatcher } from '../relay/SocketBatcher.ts';
import type { DeviceAddress, QueuedItem, QueueItemKind } from './store/RelayStore.ts';
import { encodeDeliveryPush, encodeSentResponse, readClientFrame } from '../relay/wire.ts';

export const PROTOCOL_VERSION = RelayProtocolVersion.RELAY_PROTOCOL_VERSION_1;

type Phase = 'hello' | 'open' | 'device' | 'admin' | 'closed';

/** How long an unauthenticated connection may wait for its enrolment to be approved. */
const ENROLMENT_WAIT_MS = 30 * 60 * 1000;
type ResponseResult = MessageInitShape<typeof RelayResponseSchema>['result'];
type PushBody = MessageInitShape<typeof RelayPushSchema>['body'];
type ServerBody = MessageInitShape<typeof ServerFrameSchema>['body'];

/** Requests that write nothing, so their answer need not wait for the disk. */
const READ_ONLY = new Set<RelayRequest['op']['case']>([
  'authenticate', 'authenticateAdmin', 'pollEnrolment', 'listPending', 'readAudit', 'prekeyCount', 'fetchChannelState', 'fetchDirectory', 'listChannels', undefined,
]);

const KIND: Record<QueueItemKind, Delivery_Kind> = {
  envelope: Delivery_Kind.ENVELOPE,
  'channel-change': Delivery_Kind.CHANNEL_CHANGE,
  wipe: Delivery_Kind.WIPE,
  revocation: Delivery_Kind.REVOCATION,
};

export class RelayConnection implements DeviceSink {
  private phase: Phase = 'hello';
  private challenge: Uint8Array | undefined;
  private address: DeviceAddress | undefined;
  private tokens: number;
  private lastRefill = performance.now();
  /** Pushed, unacknowledged items of this connection: id (hex) → queue sequence number. */
  private readonly inflight = new Map<string, number>();
  private cursor = 0;
  private pumping = false;
  private pumpAgain = false;
  private backlogDone = false;
  private readonly cleanups: (() => void)[] = [];
  private handshakeTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly relay: Relay,
    private readonly batcher?: SocketBatcher,
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
      if (fast?.case === 'ack') return void this.onAck(fast.ids);
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
        return this.close(CLOSE.PROTOCOL_VERSION, `unsupported protocol version ${body.value.protocolVersion}; this relay speaks ${PROTOCOL_VERSION}`);
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
        void this.onAck(body.value.ids);
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

  /** A send request read by the fast path: same work and answers as through `dispatch`. */
  private async onSend(id: bigint, envelope: Uint8Array): Promise<void> {
    let recipients: number;
    try {
      recipients = await this.relay.send(this.requireDevice(), envelope);
    } catch (e) {
      return this.answer(id, this.refusal(e, 'send'));
    }
    this.sendBytes(encodeSentResponse(id, recipients));
  }

  private async onRequest(req: RelayRequest): Promise<void> {
    let result: ResponseResult;
    try {
      result = await this.dispatch(req);
    } catch (e) {
      result = this.refusal(e, req.op.case);
    }
    if (!READ_ONLY.has(req.op.case)) {
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
    return { case: 'error', value: { code: err.code, message: err.userMessage } };
  }

  private answer(id: bigint, result: ResponseResult): void {
    this.send({ case: 'response', value: { id, result } });
    const code = result?.case === 'error' ? (result.value.code ?? '') : '';
    if (code.startsWith('AUTH_')) this.close(CLOSE.AUTH_FAILED, code);
    if (code === 'TOO_MANY_CONNECTIONS') this.close(CLOSE.TOO_MANY_CONNECTIONS, 'too many connections');
  }

  private async dispatch(req: RelayRequest): Promise<ResponseResult> {
    const op = req.op;
    const relay = this.relay;
    switch (op.case) {
      case 'authenticate': {
        const challenge = this.takeChallenge();
        const cert = await relay.authenticateDevice(op.value.deviceCertificate, challenge, op.value.signature);
        this.address = { userId: cert.userId, deviceId: cert.deviceId };
        relay.attach(this);
        this.phase = 'device';
        clearTimeout(this.handshakeTimer);
        const backlog = await relay.store.queueDepth(this.address);
        relay.log.info({ user: cert.userId, device: cert.deviceId }, 'device connected');
        queueMicrotask(() => void this.pump());
        return { case: 'authenticated', value: { userId: cert.userId, deviceId: cert.deviceId, backlog } };
      }
      case 'authenticateAdmin': {
        relay.authenticateAdmin(this.takeChallenge(), op.value.signature);
        this.phase = 'admin';
        clearTimeout(this.handshakeTimer);
        return { case: 'ok', value: {} };
      }
      case 'submitEnrolment': {
        const r = await relay.submitEnrolment(op.value.request);
        // The device now waits for a person to compare codes: minutes, not the handshake's seconds.
        clearTimeout(this.handshakeTimer);
        this.handshakeTimer = setTimeout(() => this.close(CLOSE.HANDSHAKE_TIMEOUT, 'enrolment wait over; poll or resubmit'), ENROLMENT_WAIT_MS);
        this.cleanups.push(relay.waitForEnrolment(r.requestId, {
          nonceIssued: (nonceRecord) => this.push({ case: 'enrolment', value: { state: EnrolmentStatus_State.PENDING, deviceCertificate: new Uint8Array(), memberCertificate: new Uint8Array(), nonceRecord } }),
          approved: (device, member) => this.push({ case: 'enrolment', value: { state: EnrolmentStatus_State.APPROVED, deviceCertificate: device, memberCertificate: member } }),
        }));
        return { case: 'enrolmentSubmitted', value: r };
      }
      case 'pollEnrolment': {
        const s = await relay.enrolmentStatus(op.value.requestId);
        const state = { pending: EnrolmentStatus_State.PENDING, approved: EnrolmentStatus_State.APPROVED, unknown: EnrolmentStatus_State.UNKNOWN }[s.state];
        return { case: 'enrolmentStatus', value: { state, deviceCertificate: s.device ?? new Uint8Array(), memberCertificate: s.member ?? new Uint8Array(), nonceRecord: s.nonceRecord ?? new Uint8Array() } };
      }
      case 'issueEnrolmentNonce':
        this.requireAdmin();
        await relay.issueEnrolmentNonce(op.value.requestId, op.value.nonceRecord);
        return { case: 'ok', value: {} };
      case 'listPending':
        this.requireAdmin();
        return { case: 'pending', value: { pending: (await relay.listPending()).map((e) => ({ ...e, submittedMs: BigInt(e.submittedMs) })) } };
      case 'publishMember':
        this.requireAdmin();
        await relay.publishMember(op.value.memberCertificate);
        return { case: 'ok', value: {} };
      case 'approveEnrolment':
        this.requireAdmin();
        await relay.approveEnrolment(op.value.requestId, op.value.code, op.value.deviceCertificate);
        return { case: 'ok', value: {} };
      case 'publishRevocation':
        this.requireAdmin();
        await relay.publishRevocation(op.value.revocation);
        return { case: 'ok', value: {} };
      case 'readAudit': {
        this.requireAdmin();
        const entries = await relay.store.readAudit(Number(op.value.afterSeq), Math.min(op.value.limit || 1000, 10_000));
        return { case: 'audit', value: { entries: entries.map((e) => ({ ...e, seq: BigInt(e.seq), atMs: BigInt(e.atMs) })) } };
      }
      case 'uploadPrekeys': {
        const d = this.requireDevice();
        const v = op.value;
        await relay.store.putPrekeys(d, {
          ...(v.signedPrekey.length ? { signedPrekey: v.signedPrekey } : {}),
          ...(v.kyberLastResort.length ? { kyberLastResort: v.kyberLastResort } : {}),
          oneTime: v.oneTime.slice(0, 1000),
          oneTimeKyber: v.oneTimeKyber.slice(0, 1000),
        });
        return { case: 'ok', value: {} };
      }
      case 'prekeyCount': {
        const c = await relay.store.countPrekeys(this.requireDevice());
        return { case: 'prekeyCount', value: c };
      }
      case 'fetchPrekeys': {
        this.requireDevice();
        const bundles = await relay.fetchPrekeys(op.value.userId);
        return {
          case: 'prekeyBundles',
          value: {
            bundles: bundles.map((b) => ({
              deviceId: b.deviceId,
              deviceCertificate: b.certificate,
              signedPrekey: b.bundle.signedPrekey,
              ...(b.bundle.oneTime ? { oneTime: b.bundle.oneTime } : {}),
              kyberPrekey: b.bundle.kyber.record,
              kyberPrekeyId: b.bundle.kyber.id,
              kyberIsLastResort: b.bundle.kyber.lastResort,
            })),
          },
        };
      }
      case 'send':
        return { case: 'sent', value: { recipients: await relay.send(this.requireDevice(), op.value.envelope) } };
      case 'publishChannelChange':
        await relay.publishChannelChange(this.requireDevice(), op.value.change);
        return { case: 'ok', value: {} };
      case 'sendWipe':
        return { case: 'sent', value: { recipients: await relay.wipe(this.requireDevice(), op.value.wipe) } };
      case 'fetchChannelState':
        return { case: 'channelState', value: { changes: await relay.channelChanges(this.requireDevice(), op.value.channelId) } };
      case 'listChannels':
        return { case: 'channelList', value: { channels: await relay.listChannels(this.requireDevice()) } };
      case 'fetchDirectory': {
        this.requireDeviceOrAdmin();
        const d = await relay.fetchDirectory(op.value.userIds);
        return {
          case: 'directory',
          value: { entries: d.entries.map((e) => ({ userId: e.userId, memberCertificate: e.member, deviceCertificates: e.devices })), revocations: d.revocations },
        };
      }
      default:
        throw new RelayError('BAD_REQUEST', 'Unknown request; update Valise.');
    }
  }

  private takeChallenge(): Uint8Array {
    // One signature per connection: a second attempt, or a replay on a new connection, cannot pass.
    const c = this.challenge;
    this.challenge = undefined;
    if (!c || this.phase !== 'open') throw new RelayError('AUTH_CHALLENGE_USED', 'This connection has used its challenge already. Reconnect to authenticate.');
    return c;
  }

  private requireDevice(): DeviceAddress {
    if (this.phase !== 'device' || !this.address) throw new RelayError('NOT_AUTHENTICATED', 'Authenticate the device first.');
    return this.address;
  }

  private requireAdmin(): void {
    if (this.phase !== 'admin') throw new RelayError('FORBIDDEN', 'Only the security officer (organisation root key) may do this.');
  }

  private requireDeviceOrAdmin(): void {
    if (this.phase !== 'admin') this.requireDevice();
  }

  // ---- delivery ----

  wake(items: QueuedItem[]): void {
    if (this.phase !== 'device') return;
    if (!this.pumping && this.backlogDone) {
      for (const item of items) {
        if (item.seq <= this.cursor) continue;
        if (this.inflight.size >= this.relay.limits.deliveryWindow) break;
        this.deliver(item);
      }
      if (items.every((i) => i.seq <= this.cursor)) return;
    }
    void this.pump();
  }

  private deliver(item: QueuedItem): void {
    this.cursor = item.seq;
    this.inflight.set(hex(item.id), item.seq);
    this.sendBytes(encodeDeliveryPush(item.id, KIND[item.kind], item.payload, item.channelId));
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.phase === 'device' && this.relay.isPrimary(this)) {
          const room = this.relay.limits.deliveryWindow - this.inflight.size;
          if (room <= 0) break;
          const items = await this.relay.store.readQueue(this.address!, this.cursor, room, Date.now());
          for (const item of items) this.deliver(item);
          if (items.length < room) {
            if (!this.backlogDone) {
              this.backlogDone = true;
              this.push({ case: 'backlogDone', value: {} });
            }
            break;
          }
        }
      } while (this.pumpAgain);
    } catch (e) {
      this.relay.log.error({ err: toValiseError(e).toLog() }, 'delivery failed');
    } finally {
      this.pumping = false;
    }
  }

  private async onAck(ids: Uint8Array[]): Promise<void> {
    const d = this.address!;
    const before = this.inflight.size;
    // Only what this connection delivered can be acknowledged here; other ids are ignored.
    const seqs: number[] = [];
    for (const id of ids.slice(0, 10_000)) {
      const k = hex(id);
      const seq = this.inflight.get(k);
      if (seq === undefined) continue;
      this.inflight.delete(k);
      seqs.push(seq);
    }
    if (seqs.length === 0) return;
    try {
      await this.relay.store.ack(d, seqs);
    } catch (e) {
      this.relay.log.error({ err: toValiseError(e).toLog() }, 'ack failed');
    }
    if (before >= this.relay.limits.deliveryWindow && this.inflight.size < before) void this.pump();
  }

  /** Becomes the device's delivering connection again (its newer sibling closed). */
  resume(): void {
    this.cursor = 0;
    this.inflight.clear();
    void this.pump();
  }

  pushPrekeysLow(counts: { oneTime: number; oneTimeKyber: number }): void {
    this.push({ case: 'prekeysLow', value: counts });
  }

  cut(code: 'AUTH_REVOKED', message: string): void {
    this.push({ case: 'closing', value: { code, message } });
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
      const wasPrimary = this.relay.isPrimary(this);
      this.relay.detach(this);
      // The next newest connection of the device (if any) takes over delivery from the start.
      if (wasPrimary) this.relay.handover(this.address!);
    }
  }
}
