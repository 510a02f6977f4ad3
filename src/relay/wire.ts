/**
 * The four frames every delivery makes (a send request and its `sent` answer, the delivery push,
 * the ack) and an envelope's routing fields, written and read with the protobuf library's wire
 * layer (`BinaryWriter` / `BinaryReader`) instead of its reflection-based codec: at tens of
 * thousands of deliveries per second the generic codec cost as much as the database. The bytes
 * written are those the generated code writes (tested). Reading takes only the shape the writers
 * produce (each field at most once, in field order) and answers `undefined` for anything else,
 * which then goes through the generated code: a frame means the same thing on both paths, and bad
 * input is judged by one decoder. Envelope bytes are forwarded, never re-encoded.
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

const LEN = WireType.LengthDelimited;
const VARINT = WireType.Varint;

// Field numbers of relay.proto / envelope.proto / common.proto used here.
const CLIENT_REQUEST = 2;
const CLIENT_ACK = 3;
const SERVER_RESPONSE = 2;
const SERVER_PUSH = 3;
const PUSH_DELIVERY = 1;
const REQUEST_ID = 1;
const OP_SEND = 22;

// ---- writing ----

/** ServerFrame{push{delivery{id, kind, payload, channel_id, relay_time_ms}}}. */
export function encodeDeliveryPush(id: Uint8Array, kind: number, payload: Uint8Array, channelId: Uint8Array, relayTimeMs = 0): Uint8Array {
  const w = new BinaryWriter().tag(SERVER_PUSH, LEN).fork().tag(PUSH_DELIVERY, LEN).fork();
  if (id.length) w.tag(1, LEN).bytes(id);
  if (kind) w.tag(2, VARINT).int32(kind);
  if (payload.length) w.tag(3, LEN).bytes(payload);
  if (channelId.length) w.tag(4, LEN).bytes(channelId);
  if (relayTimeMs) w.tag(5, VARINT).int64(relayTimeMs);
  return w.join().join().finish();
}

/** ServerFrame{response{id, sent{recipients}}}. */
export function encodeSentResponse(requestId: bigint, recipients: number): Uint8Array {
  const w = new BinaryWriter().tag(SERVER_RESPONSE, LEN).fork();
  if (requestId) w.tag(REQUEST_ID, VARINT).uint64(requestId);
  w.tag(OP_SEND, LEN).fork();
  if (recipients) w.tag(1, VARINT).uint32(recipients);
  return w.join().join().finish();
}

/** ClientFrame{request{id, send{envelope}}}. */
export function encodeSendRequest(requestId: bigint, envelope: Uint8Array): Uint8Array {
  const w = new BinaryWriter().tag(CLIENT_REQUEST, LEN).fork();
  if (requestId) w.tag(REQUEST_ID, VARINT).uint64(requestId);
  w.tag(OP_SEND, LEN).fork();
  if (envelope.length) w.tag(1, LEN).bytes(envelope);
  return w.join().join().finish();
}

/** ClientFrame{ack{ids}}. */
export function encodeAck(ids: readonly Uint8Array[]): Uint8Array {
  const w = new BinaryWriter().tag(CLIENT_ACK, LEN).fork();
  for (const id of ids) w.tag(1, LEN).bytes(id);
  return w.join().finish();
}

// ---- reading ----

/** A reader bounded to one (sub)message: `end` is where its bytes stop. */
interface Scope {
  r: BinaryReader;
  end: number;
}

/** The next field if it is (`field`, `type`), consumed; else the position is left alone. */
function take(s: Scope, field: number, type: WireType): boolean {
  if (s.r.pos >= s.end) return false;
  const at = s.r.pos;
  const [f, t] = s.r.tag();
  if (f === field && t === type) return true;
  s.r.pos = at;
  return false;
}

/** Enters a length-delimited submessage whose tag was just taken; undefined if it overruns. */
function enter(s: Scope): Scope | undefined {
  const len = s.r.uint32();
  const end = s.r.pos + len;
  return end <= s.end ? { r: s.r, end } : undefined;
}

const done = (s: Scope): boolean => s.r.pos === s.end;

/** Runs a reader; a frame that the wire layer cannot even read is left to the generic path. */
function attempt<T>(b: Uint8Array, read: (s: Scope) => T | undefined): T | undefined {
  try {
    return read({ r: new BinaryReader(b), end: b.length });
  } catch {
    return undefined;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * A request or response (`field` of the frame) that is the whole frame: its id and the body of its
 * `send` op / `sent` result, which must be its last field.
 */
function sendOf(top: Scope, field: number): { id: bigint; body: Scope } | undefined {
  if (!take(top, field, LEN)) return undefined;
  const q = enter(top);
  if (!q || q.end !== top.end) return undefined;
  const id = take(q, REQUEST_ID, VARINT) ? BigInt(q.r.uint64()) : 0n;
  if (!take(q, OP_SEND, LEN)) return undefined;
  const body = enter(q);
  return body && body.end === q.end ? { id, body } : undefined;
}

export type FastClientFrame = { case: 'send'; id: bigint; envelope: Uint8Array } | { case: 'ack'; ids: Uint8Array[] };

/** A send request or an ack; undefined for any other frame (decode it the generic way). */
export function readClientFrame(b: Uint8Array): FastClientFrame | undefined {
  return attempt(b, (top) => {
    if (take(top, CLIENT_ACK, LEN)) {
      const a = enter(top);
      if (!a || a.end !== top.end) return undefined;
      const ids: Uint8Array[] = [];
      while (!done(a)) {
        if (!take(a, 1, LEN)) return undefined;
        ids.push(a.r.bytes());
      }
      return { case: 'ack', ids };
    }
    const send = sendOf(top, CLIENT_REQUEST);
    if (!send) return undefined;
    const { id, body: o } = send;
    const envelope = take(o, 1, LEN) ? o.r.bytes() : EMPTY;
    return done(o) ? { case: 'send', id, envelope } : undefined;
  });
}

export type FastServerFrame =
  | { case: 'delivery'; id: Uint8Array; kind: number; payload: Uint8Array; channelId: Uint8Array; relayTimeMs: number }
  | { case: 'sent'; id: bigint; recipients: number };

/** A delivery push or a `sent` response; undefined for any other frame. */
export function readServerFrame(b: Uint8Array): FastServerFrame | undefined {
  return attempt(b, (top) => {
    if (take(top, SERVER_PUSH, LEN)) {
      const p = enter(top);
      if (!p || p.end !== top.end || !take(p, PUSH_DELIVERY, LEN)) return undefined;
      const x = enter(p);
      if (!x || x.end !== p.end) return undefined;
      const id = take(x, 1, LEN) ? x.r.bytes() : EMPTY;
      const kind = take(x, 2, VARINT) ? x.r.int32() : 0;
      const payload = take(x, 3, LEN) ? x.r.bytes() : EMPTY;
      const channelId = take(x, 4, LEN) ? x.r.bytes() : EMPTY;
      const relayTimeMs = take(x, 5, VARINT) ? Number(x.r.int64()) : 0;
      return done(x) ? { case: 'delivery', id, kind, payload, channelId, relayTimeMs } : undefined;
    }
    const sent = sendOf(top, SERVER_RESPONSE);
    if (!sent) return undefined;
    const { id, body: t } = sent;
    const recipients = take(t, 1, VARINT) ? t.r.uint32() : 0;
    return done(t) ? { case: 'sent', id, recipients } : undefined;
  });
}

export interface FastEnvelopeRouting {
  id: Uint8Array;
  channelId: Uint8Array;
  sender?: { userId: string; deviceId: number };
  recipient?: { userId: string; deviceId: number };
  sentAtMs: number;
  expiresAtMs: number;
}

/**
 * The routing fields of an encoded Envelope (valise.v1.Envelope: id 1, channel_id 2, sender 3,
 * recipient 4, type 5, ciphertext 6, sent_at_ms 7, expires_at_ms 8), read in place. Undefined
 * unless every field is present at most once, in field order, with its proper wire type.
 */
export function readEnvelopeRouting(b: Uint8Array): FastEnvelopeRouting | undefined {
  return attempt(b, (e) => {
    const out: FastEnvelopeRouting = { id: EMPTY, channelId: EMPTY, sentAtMs: 0, expiresAtMs: 0 };
    if (take(e, 1, LEN)) out.id = e.r.bytes();
    if (take(e, 2, LEN)) out.channelId = e.r.bytes();
    if (take(e, 3, LEN)) {
      const a = address(e);
      if (!a) return undefined;
      out.sender = a;
    }
    if (take(e, 4, LEN)) {
      const a = address(e);
      if (!a) return undefined;
      out.recipient = a;
    }
    if (take(e, 5, VARINT)) e.r.int32();
    if (take(e, 6, LEN)) e.r.skip(LEN);
    if (take(e, 7, VARINT)) out.sentAtMs = int64(e.r);
    if (take(e, 8, VARINT)) out.expiresAtMs = int64(e.r);
    return done(e) && Number.isSafeInteger(out.sentAtMs) && Number.isSafeInteger(out.expiresAtMs) ? out : undefined;
  });
}

function int64(r: BinaryReader): number {
  return Number(r.int64());
}

function address(s: Scope): { userId: string; deviceId: number } | undefined {
  const a = enter(s);
  if (!a) return undefined;
  const userId = take(a, 1, LEN) ? a.r.string(true) : ''; // strict, as the generated decoder reads it
  const deviceId = take(a, 2, VARINT) ? a.r.uint32() : 0;
  return done(a) ? { userId, deviceId } : undefined;
}
