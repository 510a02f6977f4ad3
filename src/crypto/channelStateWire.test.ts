import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ChannelStateBodySchema } from '../gen/valise/v1/channel_pb.ts';
import { decodeChannelStateWire } from './channelStateWire.ts';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const enumVal = fc.integer({ min: 0, max: 5 });

const state = fc.record({
  channelId: fc.uint8Array({ maxLength: 20 }),
  epoch: u64,
  previousHash: fc.uint8Array({ maxLength: 40 }),
  name: fc.string({ maxLength: 30, unit: 'grapheme' }),
  classification: fc.nat(),
  policy: fc.option(fc.record({
    recording: enumVal, messageLifetimeMs: i64, burnAfterReading: fc.boolean(), endsAtMs: i64, allowCopy: fc.boolean(),
    allowExport: fc.boolean(), allowAttachments: fc.boolean(), blockScreenCapture: fc.boolean(), readReceipts: fc.boolean(),
  }), { nil: undefined }),
  members: fc.array(fc.record({ userId: fc.string({ maxLength: 10 }), role: enumVal }), { maxLength: 8 }),
  status: enumVal,
  signer: fc.option(fc.record({ userId: fc.string({ maxLength: 10 }), deviceId: fc.nat() }), { nil: undefined }),
  signedAtMs: i64,
  pausedReason: fc.string({ maxLength: 30, unit: 'grapheme' }),
});

/** The generic decoder's view, reduced to the plain fields both decoders produce. */
function generic(bytes: Uint8Array) {
  const m = fromBinary(ChannelStateBodySchema, bytes);
  const plain = (o: object | undefined) => (o ? Object.fromEntries(Object.entries(o).filter(([k]) => k !== '$typeName' && k !== '$unknown')) : undefined);
  return {
    channelId: m.channelId, epoch: m.epoch, previousHash: m.previousHash, name: m.name, classification: m.classification,
    policy: plain(m.policy), members: m.members.map(plain), status: m.status, signer: plain(m.signer), signedAtMs: m.signedAtMs,
    pausedReason: m.pausedReason,
  };
}

describe('direct channel state decoder', () => {
  it('agrees with the generic protobuf decoder on every well-formed body', () => {
    fc.assert(fc.property(state, (s) => {
      const bytes = toBinary(ChannelStateBodySchema, create(ChannelStateBodySchema, s));
      expect(decodeChannelStateWire(bytes)).toEqual(generic(bytes));
    }), { numRuns: 500 });
  });

  it('skips unknown fields as the generic decoder does', () => {
    const body = toBinary(ChannelStateBodySchema, create(ChannelStateBodySchema, { name: 'x', epoch: 3n }));
    const withUnknown = new Uint8Array([...body, 0xa8, 0x06, 0x01]); // field 101, varint 1
    expect(decodeChannelStateWire(withUnknown)).toEqual(generic(withUnknown));
  });

  it('throws on truncated or mistyped input (the caller turns that into a CodecError)', () => {
    const body = toBinary(ChannelStateBodySchema, create(ChannelStateBodySchema, { name: 'a long enough name', members: [{ userId: 'u', role: 1 }] }));
    expect(() => decodeChannelStateWire(body.subarray(0, body.length - 3))).toThrow();
    expect(() => decodeChannelStateWire(new Uint8Array([0x20, 0x01]))).toThrow(); // name (4) as varint
    const badUtf8 = new Uint8Array([0x22, 0x02, 0xc3, 0x28]); // name = invalid UTF-8
    expect(() => fromBinary(ChannelStateBodySchema, badUtf8)).toThrow();
    expect(() => decodeChannelStateWire(badUtf8)).toThrow();
    const long = toBinary(ChannelStateBodySchema, create(ChannelStateBodySchema, { name: 'é'.repeat(100) + 'x'.repeat(100) }));
    expect(decodeChannelStateWire(long).name).toBe('é'.repeat(100) + 'x'.repeat(100));
  });
});
