/**
 * Hand-written protobuf for the four frames every delivery makes (a send request and its `sent`
 * answer, the delivery push, the ack), byte-identical to the canonical encoding of the generated
 * code: at tens of thousands of deliveries per second the generic reflection-based codec cost as
 * much as the database. Decoding takes only the exact canonical shape (each field once, in order,
 * lengths that add up) and answers `undefined` for anything else, which then goes through the
 * generated code: so a frame means the same thing on both paths, and bad input is judged by one
 * decoder. Envelope routing is read the same way; the envelope bytes themselves are forwarded,
 * never re-encoded.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

// ---- writing ----

function varintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

class Writer {
  readonly buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  varint(n: number): this {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
}

/** Size of a length-delimited field whose tag is one byte, or 0 when proto3 omits it (empty). */
const bytesField = (len: number): number => (len === 0 ? 0 : 1 + varintSize(len) + len);
const varintField = (n: number): number => (n === 0 ? 0 : 1 + varintSize(n));

/** Request ids are uint64 on the wire; the relay and its client never come near 2^53. */
function idNumber(id: bigint): number | undefined {
  return id >= 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : undefined;
}

/** ServerFrame{push{delivery{id, kind, payload, channel_id}}}. */
export function encodeDeliveryPush(id: Uint8Array, kind: number, payload: Uint8Array, channelId: Uint8Array): Uint8Array {
  const delivery = bytesField(id.length) + varintField(kind) + bytesField(payload.length) + bytesField(channelId.length);
  const push = 1 + varintSize(delivery) + delivery;
  const w = new Writer(1 + varintSize(push) + push);
  w.varint(0x1a).varint(push).varint(0x0a).varint(delivery);
  if (id.length) w.varint(0x0a).varint(id.length).bytes(id);
  if (kind) w.varint(0x10).varint(kind);
  if (payload.length) w.varint(0x1a).varint(payload.length).bytes(payload);
  if (channelId.length) w.varint(0x22).varint(channelId.length).bytes(channelId);
  return w.buf;
}

/** ServerFrame{response{id, sent{recipients}}}; undefined for an id past 2^53. */
export function encodeSentResponse(requestId: bigint, recipients: number): Uint8Array | undefined {
  const id = idNumber(requestId);
  if (id === undefined) return undefined;
  const sent = varintField(recipients);
  const response = varintField(id) + 2 + varintSize(sent) + sent;
  const w = new Writer(1 + varintSize(response) + response);
  w.varint(0x12).varint(response);
  if (id) w.varint(0x08).varint(id);
  w.varint(22 * 8 + 2).varint(sent);
  if (recipients) w.varint(0x08).varint(recipients);
  return w.buf;
}

/** ClientFrame{request{id, send{envelope}}}; undefined for an id past 2^53. */
export function encodeSendRequest(requestId: bigint, envelope: Uint8Array): Uint8Array | undefined {
  const id = idNumber(requestId);
  if (id === undefined) return undefined;
  const send = bytesField(envelope.length);
  const request = varintField(id) + 2 + varintSize(send) + send;
  const w = new Writer(1 + varintSize(request) + request);
  w.varint(0x12).varint(request);
  if (id) w.varint(0x08).varint(id);
  w.varint(22 * 8 + 2).varint(send);
  if (envelope.length) w.varint(0x0a).varint(envelope.length).bytes(envelope);
  return w.buf;
}

/** ClientFrame{ack{ids}}. */
export function encodeAck(ids: readonly Uint8Array[]): Uint8Array {
  let ack = 0;
  for (const id of ids) ack += 1 + varintSize(id.length) + id.length;
  const w = new Writer(1 + varintSize(ack) + ack);
  w.varint(0x1a).varint(ack);
  for (const id of ids) w.varint(0x0a).varint(id.length).bytes(id);
  return w.buf;
}

// ---- reading ----

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos === this.end;
  }
  /** A canonical varint up to 2^53 (exact as a double); undefined otherwise. */
  varint(): number | undefined {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8 && this.pos < this.end; i++) {
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) {
        // A canonical varint has no trailing zero groups (0 itself is one byte).
        return (i > 0 && b === 0) || n > Number.MAX_SAFE_INTEGER ? undefined : n;
      }
      mul *= 128;
    }
    return undefined;
  }
  /** The span of a length-delimited field, or undefined if it runs past the end. */
  span(): { start: number; end: number } | undefined {
    const len = this.varint();
    if (len === undefined || this.pos + len > this.end) return undefined;
    const start = this.pos;
    this.pos += len;
    return { start, end: this.pos };
  }
  bytes(): Uint8Array | undefined {
    const s = this.span();
    return s && this.buf.subarray(s.start, s.end);
  }
  /** The next tag if it is `tag`, consumed; else the position is left alone. */
  take(tag: number): boolean {
    if (tag < 0x80) {
      if (this.pos < this.end && this.buf[this.pos] === tag) {
        this.pos++;
        return true;
      }
      return false;
    }
    const save = this.pos;
    if (this.varint() === tag) return true;
    this.pos = save;
    return false;
  }
}

export type FastClientFrame = { case: 'send'; id: bigint; envelope: Uint8Array } | { case: 'ack'; ids: Uint8Array[] };

/** A canonical send request or ack; undefined for any other frame (decode it the generic way). */
export function readClientFrame(b: Uint8Array): FastClientFrame | undefined {
  const r = new Reader(b);
  if (r.take(0x1a)) {
    const s = r.span();
    if (!s || !r.done) return undefined;
    const a = new Reader(b, s.start, s.end);
    const ids: Uint8Array[] = [];
    while (!a.done) {
      if (!a.take(0x0a)) return undefined;
      const id = a.bytes();
      if (!id) return undefined;
      ids.push(id);
    }
    return { case: 'ack', ids };
  }
  if (!r.take(0x12)) return undefined;
  const s = r.span();
  if (!s || !r.done) return undefined;
  const q = new Reader(b, s.start, s.end);
  let id = 0;
  if (q.take(0x08)) {
    const v = q.varint();
    if (v === undefined || v === 0) return undefined;
    id = v;
  }
  if (!q.take(22 * 8 + 2)) return undefined;
  const op = q.span();
  if (!op || !q.done) return undefined;
  const o = new Reader(b, op.start, op.end);
  let envelope: Uint8Array = new Uint8Array(0);
  if (o.take(0x0a)) {
    const e = o.bytes();
    if (!e || e.length === 0) return undefined;
    envelope = e;
  }
  if (!o.done) return undefined;
  return { case: 'send', id: BigInt(id), envelope };
}

export type FastServerFrame =
  | { case: 'delivery'; id: Uint8Array; kind: number; payload: Uint8Array; channelId: Uint8Array }
  | { case: 'sent'; id: bigint; recipients: number };

/** A canonical delivery push or `sent` response; undefined for any other frame. */
export function readServerFrame(b: Uint8Array): FastServerFrame | undefined {
  const r = new Reader(b);
  if (r.take(0x1a)) {
    const s = r.span();
    if (!s || !r.done) return undefined;
    const p = new Reader(b, s.start, s.end);
    if (!p.take(0x0a)) return undefined;
    const d = p.span();
    if (!d || !p.done) return undefined;
    const x = new Reader(b, d.start, d.end);
    const empty: Uint8Array = new Uint8Array(0);
    let id = empty;
    let kind = 0;
    let payload = empty;
    let channelId = empty;
    if (x.take(0x0a)) {
      const v = x.bytes();
      if (!v?.length) return undefined;
      id = v;
    }
    if (x.take(0x10)) {
      const v = x.varint();
      if (!v || v > 0x7fffffff) return undefined;
      kind = v;
    }
    if (x.take(0x1a)) {
      const v = x.bytes();
      if (!v?.length) return undefined;
      payload = v;
    }
    if (x.take(0x22)) {
      const v = x.bytes();
      if (!v?.length) return undefined;
      channelId = v;
    }
    if (!x.done) return undefined;
    return { case: 'delivery', id, kind, payload, channelId };
  }
  if (!r.take(0x12)) return undefined;
  const s = r.span();
  if (!s || !r.done) return undefined;
  const q = new Reader(b, s.start, s.end);
  let id = 0;
  if (q.take(0x08)) {
    const v = q.varint();
    if (!v) return undefined;
    id = v;
  }
  if (!q.take(22 * 8 + 2)) return undefined;
  const sent = q.span();
  if (!sent || !q.done) return undefined;
  const t = new Reader(b, sent.start, sent.end);
  let recipients = 0;
  if (t.take(0x08)) {
    const v = t.varint();
    if (!v || v > 0xffffffff) return undefined;
    recipients = v;
  }
  if (!t.done) return undefined;
  return { case: 'sent', id: BigInt(id), recipients };
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
  const r = new Reader(b);
  const empty: Uint8Array = new Uint8Array(0);
  const out: FastEnvelopeRouting = { id: empty, channelId: empty, sentAtMs: 0, expiresAtMs: 0 };
  if (r.take(0x0a)) {
    const v = r.bytes();
    if (!v?.length) return undefined;
    out.id = v;
  }
  if (r.take(0x12)) {
    const v = r.bytes();
    if (!v?.length) return undefined;
    out.channelId = v;
  }
  if (r.take(0x1a)) {
    const a = address(r);
    if (!a) return undefined;
    out.sender = a;
  }
  if (r.take(0x22)) {
    const a = address(r);
    if (!a) return undefined;
    out.recipient = a;
  }
  if (r.take(0x28)) {
    const v = r.varint();
    if (!v || v > 0x7fffffff) return undefined;
  }
  if (r.take(0x32)) {
    const v = r.bytes();
    if (!v?.length) return undefined;
  }
  if (r.take(0x38)) {
    const v = r.varint();
    if (!v) return undefined;
    out.sentAtMs = v;
  }
  if (r.take(0x40)) {
    const v = r.varint();
    if (!v) return undefined;
    out.expiresAtMs = v;
  }
  return r.done ? out : undefined;
}

function address(r: Reader): { userId: string; deviceId: number } | undefined {
  const s = r.span();
  if (!s) return undefined;
  const a = new Reader(r.buf, s.start, s.end);
  let userId = '';
  let deviceId = 0;
  if (a.take(0x0a)) {
    const v = a.bytes();
    if (!v?.length) return undefined;
    try {
      userId = utf8.decode(v);
    } catch {
      return undefined;
    }
  }
  if (a.take(0x10)) {
    const v = a.varint();
    if (!v || v > 0xffffffff) return undefined;
    deviceId = v;
  }
  return a.done ? { userId, deviceId } : undefined;
}
