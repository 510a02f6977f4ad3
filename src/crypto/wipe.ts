/**
 * Signed wipe command and signed wipe receipt (DESIGN.md §5). The command names the exact channel
 * state it wipes (epoch and hash), so it cannot be replayed against a later incarnation; the receipt
 * names the command by hash, so the issuer can count confirmations.
 */
import { randomBytes } from 'node:crypto';
import type { PrivateKey } from '@signalapp/libsignal-client';
import { WipeCommandBodySchema, WipeReceiptBodySchema } from '../gen/valise/v1/channel_pb.ts';
import { bytesEqual, sha256, type ChannelState, type DeviceRef } from './ChannelState.ts';
import { decodeMessage, encodeMessage, LIMITS, safeNumber } from './codec.ts';
import { CodecError, CryptoUsageError, SignatureError } from './errors.ts';
import { CONTEXT, openRecord, signRecord, verifyBytes } from './signing.ts';
import type { TrustView } from './OrgTrust.ts';

export interface WipeCommand {
  channelId: Uint8Array;
  commandId: Uint8Array;
  epoch: number;
  stateHash: Uint8Array;
  issuer: DeviceRef;
  issuedAtMs: number;
  /** SHA-256 of the signed body; receipts refer to the command by it. */
  hash: Uint8Array;
  encoded: Uint8Array;
}

export interface WipeReceipt {
  channelId: Uint8Array;
  commandHash: Uint8Array;
  device: DeviceRef;
  wipedAtMs: number;
  encoded: Uint8Array;
}

/** Whether `userId` may wipe the channel in `state`: an owner or lead of it, or a security officer. */
export function mayWipe(state: ChannelState, userId: string, trust: TrustView): boolean {
  const role = state.members.find((m) => m.userId === userId)?.role;
  if (role === 'owner' || role === 'lead') return trust.member(userId) !== undefined;
  return trust.member(userId)?.roles.includes('security-officer') ?? false;
}

export function signWipeCommand(identityKey: PrivateKey, issuer: DeviceRef, state: ChannelState, nowMs: number): Uint8Array<ArrayBuffer> {
  const body = encodeMessage(WipeCommandBodySchema, {
    channelId: state.channelId,
    commandId: randomBytes(16),
    epoch: BigInt(state.epoch),
    stateHash: state.hash,
    issuer,
    issuedAtMs: BigInt(nowMs),
  });
  return signRecord(identityKey, CONTEXT.wipeCommand, body);
}

/** Decodes a wipe command without judging it (e.g. to find its channel). Throws CodecError. */
export function decodeWipeCommand(encoded: Uint8Array): WipeCommand & { body: Uint8Array; signature: Uint8Array } {
  const what = 'wipe command';
  const { body, signature } = openRecord(encoded, what);
  const b = decodeMessage(WipeCommandBodySchema, body, LIMITS.signedRecord, what);
  if (b.channelId.length !== 16 || b.commandId.length !== 16 || b.stateHash.length !== 32 || !b.issuer) {
    throw new CodecError(what, 'missing or malformed field');
  }
  return {
    channelId: b.channelId,
    commandId: b.commandId,
    epoch: safeNumber(b.epoch, what, 'epoch'),
    stateHash: b.stateHash,
    issuer: { userId: b.issuer.userId, deviceId: b.issuer.deviceId },
    issuedAtMs: safeNumber(b.issuedAtMs, what, 'time'),
    hash: sha256(body),
    encoded,
    body,
    signature,
  };
}

/**
 * Verifies a wipe command against the channel state it claims to wipe: signed by a certified
 * device of a user allowed to wipe in that state. Throws a typed error otherwise.
 */
export function verifyWipeCommand(encoded: Uint8Array, state: ChannelState, trust: TrustView): WipeCommand {
  const cmd = decodeWipeCommand(encoded);
  if (!bytesEqual(cmd.channelId, state.channelId) || cmd.epoch !== state.epoch || !bytesEqual(cmd.stateHash, state.hash)) {
    throw new CryptoUsageError('WIPE_STATE_MISMATCH', 'The wipe order refers to another version of this channel. It was ignored.');
  }
  const device = trust.device(cmd.issuer.userId, cmd.issuer.deviceId);
  if (!device || !verifyBytes(device.identityKey, CONTEXT.wipeCommand, cmd.body, cmd.signature)) throw new SignatureError('wipe command');
  if (!mayWipe(state, cmd.issuer.userId, trust)) {
    throw new CryptoUsageError('WIPE_NOT_ALLOWED', 'The wipe order came from someone who may not wipe this channel. It was ignored.');
  }
  const { body: _b, signature: _s, ...command } = cmd;
  return command;
}

export function signWipeReceipt(identityKey: PrivateKey, device: DeviceRef, command: WipeCommand, nowMs: number): Uint8Array<ArrayBuffer> {
  const body = encodeMessage(WipeReceiptBodySchema, {
    channelId: command.channelId,
    commandHash: command.hash,
    device,
    wipedAtMs: BigInt(nowMs),
  });
  return signRecord(identityKey, CONTEXT.wipeReceipt, body);
}

/** Verifies a receipt for `command`, signed by the certified device it names. */
export function verifyWipeReceipt(encoded: Uint8Array, command: WipeCommand, trust: TrustView): WipeReceipt {
  const what = 'wipe receipt';
  const { body, signature } = openRecord(encoded, what);
  const b = decodeMessage(WipeReceiptBodySchema, body, LIMITS.signedRecord, what);
  if (!b.device) throw new CodecError(what, 'no device');
  if (!bytesEqual(b.commandHash, command.hash) || !bytesEqual(b.channelId, command.channelId)) {
    throw new CryptoUsageError('WIPE_RECEIPT_MISMATCH', 'A wipe confirmation refers to another wipe order. It was ignored.');
  }
  const device = trust.device(b.device.userId, b.device.deviceId);
  if (!device || !verifyBytes(device.identityKey, CONTEXT.wipeReceipt, body, signature)) throw new SignatureError(what);
  return {
    channelId: b.channelId,
    commandHash: b.commandHash,
    device: { userId: b.device.userId, deviceId: b.device.deviceId },
    wipedAtMs: safeNumber(b.wipedAtMs, what, 'time'),
    encoded,
  };
}
