/**
 * Envelopes: what the relay routes. Decoding checks every routing field, so the relay and the
 * client can rely on them without further checks.
 */
import { orderedId } from './orderedId.ts';
import { EnvelopeSchema, EnvelopeType } from '../gen/valise/v1/envelope_pb.ts';
import { isValidDeviceId, isValidUserId } from './certificates.ts';
import type { DeviceRef } from './ChannelState.ts';
import { decodeMessage, encodeMessage, LIMITS, safeNumber } from './codec.ts';
import { CodecError } from './errors.ts';

export type EnvelopeKind = 'prekey' | 'whisper' | 'sender-key';

export interface EnvelopeFields {
  /** 16 random bytes; generated when omitted. */
  id?: Uint8Array;
  /** 16 bytes, or empty for a 1:1 message outside any channel. */
  channelId: Uint8Array;
  sender: DeviceRef;
  /** Omitted for a channel fan-out (sender-key) envelope. */
  recipient?: DeviceRef;
  type: EnvelopeKind;
  ciphertext: Uint8Array;
  sentAtMs: number;
  expiresAtMs: number;
}

export interface DecodedEnvelope extends Required<Omit<EnvelopeFields, 'recipient'>> {
  recipient?: DeviceRef;
}

const TYPE_PB: Record<EnvelopeKind, EnvelopeType> = {
  prekey: EnvelopeType.PREKEY,
  whisper: EnvelopeType.WHISPER,
  'sender-key': EnvelopeType.SENDER_KEY,
};

export function encodeEnvelope(f: EnvelopeFields): Uint8Array<ArrayBuffer> {
  if ((f.type === 'sender-key') !== (f.recipient === undefined)) {
    throw new CodecError('Envelope', 'a sender-key envelope has no recipient; any other has one');
  }
  return encodeMessage(EnvelopeSchema, {
    id: f.id ?? orderedId(),
    channelId: f.channelId,
    sender: f.sender,
    recipient: f.recipient,
    type: TYPE_PB[f.type],
    ciphertext: f.ciphertext,
    sentAtMs: BigInt(f.sentAtMs),
    expiresAtMs: BigInt(f.expiresAtMs),
  });
}

function device(d: { userId: string; deviceId: number } | undefined, field: string): DeviceRef {
  if (!d || !isValidUserId(d.userId) || !isValidDeviceId(d.deviceId)) throw new CodecError('Envelope', `invalid ${field}`);
  return { userId: d.userId, deviceId: d.deviceId };
}

/** Decodes and validates an envelope from untrusted bytes. Throws only CodecError. */
export function decodeEnvelope(bytes: Uint8Array): DecodedEnvelope {
  const what = 'Envelope';
  const e = decodeMessage(EnvelopeSchema, bytes, LIMITS.envelope, what);
  if (e.id.length !== 16) throw new CodecError(what, 'id must be 16 bytes');
  if (e.channelId.length !== 0 && e.channelId.length !== 16) throw new CodecError(what, 'channel id must be 16 bytes');
  const type = (Object.keys(TYPE_PB) as EnvelopeKind[]).find((k) => TYPE_PB[k] === e.type);
  if (!type) throw new CodecError(what, 'unknown type');
  if (e.ciphertext.length === 0) throw new CodecError(what, 'empty ciphertext');
  const sender = device(e.sender, 'sender');
  let recipient: DeviceRef | undefined;
  if (type === 'sender-key') {
    if (e.recipient) throw new CodecError(what, 'a channel fan-out has no recipient');
    if (e.channelId.length !== 16) throw new CodecError(what, 'a channel fan-out needs a channel');
  } else {
    recipient = device(e.recipient, 'recipient');
  }
  return {
    id: e.id,
    channelId: e.channelId,
    sender,
    recipient,
    type,
    ciphertext: e.ciphertext,
    sentAtMs: safeNumber(e.sentAtMs, what, 'sent time'),
    expiresAtMs: safeNumber(e.expiresAtMs, what, 'expiry time'),
  };
}
