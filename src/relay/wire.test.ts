import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnvelopeSchema } from '../gen/valise/v1/envelope_pb.ts';
import { ClientFrameSchema, ServerFrameSchema } from '../gen/valise/v1/relay_pb.ts';
import { encodeAck, encodeDeliveryPush, encodeSendRequest, encodeSentResponse, readClientFrame, readEnvelopeRouting, readServerFrame } from './wire.ts';

const bytes = (max = 600) => fc.uint8Array({ minLength: 0, maxLength: max });
const reqId = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u8 = (b: Uint8Array) => new Uint8Array(b);
/** The relay's receive time: absent (0, an older relay) or any millisecond time. */
const relayTime = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));

describe('wire (hot frames on the wire layer)', () => {
  it('encodes exactly what the generated code encodes', () => {
    fc.assert(fc.property(bytes(40), fc.integer({ min: 0, max: 4 }), bytes(), bytes(20), relayTime, (id, kind, payload, channelId, relayTimeMs) => {
      const generic = toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: 'push', value: { body: { case: 'delivery', value: { id, kind, payload, channelId, relayTimeMs: BigInt(relayTimeMs) } } } } }));
      expect(encodeDeliveryPush(id, kind, payload, channelId, relayTimeMs)).toEqual(generic);
    }));
    fc.assert(fc.property(reqId, fc.nat(), (id, recipients) => {
      const generic = toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: 'response', value: { id, result: { case: 'sent', value: { recipients } } } } }));
      expect(encodeSentResponse(id, recipients)).toEqual(generic);
    }));
    fc.assert(fc.property(reqId, bytes(), (id, envelope) => {
      const generic = toBinary(ClientFrameSchema, create(ClientFrameSchema, { body: { case: 'request', value: { id, op: { case: 'send', value: { envelope } } } } }));
      expect(encodeSendRequest(id, envelope)).toEqual(generic);
    }));
    fc.assert(fc.property(fc.array(bytes(20), { maxLength: 40 }), (ids) => {
      const generic = toBinary(ClientFrameSchema, create(ClientFrameSchema, { body: { case: 'ack', value: { ids } } }));
      expect(encodeAck(ids)).toEqual(generic);
    }));
  });

  it('reads back what it writes, and nothing else differently from the generated decoder', () => {
    fc.assert(fc.property(reqId, bytes(), (id, envelope) => {
      const f = readClientFrame(encodeSendRequest(id, envelope));
      expect(f).toEqual({ case: 'send', id, envelope: u8(envelope) });
    }));
    fc.assert(fc.property(bytes(20), fc.integer({ min: 1, max: 4 }), bytes(), bytes(20), relayTime, (id, kind, payload, channelId, relayTimeMs) => {
      expect(readServerFrame(encodeDeliveryPush(id, kind, payload, channelId, relayTimeMs))).toEqual({ case: 'delivery', id: u8(id), kind, payload: u8(payload), channelId: u8(channelId), relayTimeMs });
    }));
    // Random and mutated frames: whenever the fast reader answers, the generated decoder agrees.
    const frames = fc.oneof(
      bytes(80),
      fc.tuple(reqId, bytes(60), fc.nat(80), fc.integer({ min: 0, max: 255 })).map(([id, e, at, v]) => {
        const b = new Uint8Array(encodeSendRequest(id, e));
        if (b.length) b[at % b.length] = v;
        return b;
      }),
      fc.tuple(fc.array(bytes(20), { maxLength: 5 }), fc.nat(80), fc.integer({ min: 0, max: 255 })).map(([ids, at, v]) => {
        const b = new Uint8Array(encodeAck(ids));
        b[at % b.length] = v;
        return b;
      }),
    );
    fc.assert(fc.property(frames, (b) => {
      const fast = readClientFrame(b);
      if (!fast) return;
      const g = fromBinary(ClientFrameSchema, b).body;
      if (fast.case === 'ack') expect(g).toMatchObject({ case: 'ack', value: { ids: fast.ids } });
      else expect(g.case === 'request' && g.value.id === fast.id && g.value.op.case === 'send' && Buffer.compare(g.value.op.value.envelope, fast.envelope) === 0).toBe(true);
    }), { numRuns: 3000 });
  });

  it('reads the routing of an envelope in place, as the generated decoder does', () => {
    const address = fc.record({ userId: fc.string({ maxLength: 12 }), deviceId: fc.nat() });
    const envelope = fc.record({
      id: bytes(16), channelId: bytes(16), sender: fc.option(address, { nil: undefined }), recipient: fc.option(address, { nil: undefined }),
      type: fc.integer({ min: 0, max: 3 }), ciphertext: bytes(50), sentAtMs: fc.bigInt({ min: 0n, max: 1n << 45n }), expiresAtMs: fc.bigInt({ min: 0n, max: 1n << 45n }),
    });
    fc.assert(fc.property(envelope, fc.nat(200), fc.integer({ min: -1, max: 255 }), (e, at, v) => {
      const b = new Uint8Array(toBinary(EnvelopeSchema, create(EnvelopeSchema, e)));
      if (v >= 0 && b.length) b[at % b.length] = v;
      const fast = readEnvelopeRouting(b);
      if (v < 0) expect(fast).toBeDefined();
      if (!fast) return;
      const g = fromBinary(EnvelopeSchema, b);
      expect(fast.id).toEqual(g.id);
      expect(fast.channelId).toEqual(g.channelId);
      expect(fast.expiresAtMs).toBe(Number(g.expiresAtMs));
      expect(fast.sentAtMs).toBe(Number(g.sentAtMs));
      expect(fast.sender).toEqual(g.sender ? { userId: g.sender.userId, deviceId: g.sender.deviceId } : undefined);
      expect(fast.recipient).toEqual(g.recipient ? { userId: g.recipient.userId, deviceId: g.recipient.deviceId } : undefined);
    }), { numRuns: 3000 });
  });
});
