/**
 * Signed, hash-chained channel state records (DESIGN.md §5): encoding, signing and decoding.
 * Whether a record may follow another is decided by `applyChannelChange`.
 */
import { hash } from 'node:crypto';
import type { PrivateKey } from '@signalapp/libsignal-client';
import { MAX_NAME_BYTES, MAX_REASON_BYTES, utf8Length } from '../shared/model/limits.ts';
import { CHANNEL_ROLES, type ChannelRole } from '../shared/model/roles.ts';
import { RECORDING_MODES, type ChannelPolicy } from '../shared/model/policy.ts';
import { unsafeCharacterIn } from '../shared/model/safeText.ts';
import {
  ChannelRole as PbChannelRole,
  ChannelStateBodySchema,
  ChannelStatus as PbChannelStatus,
  RecordingMode as PbRecordingMode,
} from '../gen/valise/v1/channel_pb.ts';
import { encodeMessage, safeNumber } from './codec.ts';
import { decodeChannelStateWire, type WireChannelState } from './channelStateWire.ts';
import { CodecError } from './errors.ts';
import { CONTEXT, openRecord, signRecord } from './signing.ts';

export const CHANNEL_STATUSES = ['active', 'paused', 'wiped'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];

export interface ChannelMemberEntry {
  userId: string;
  role: ChannelRole;
}

export interface DeviceRef {
  userId: string;
  deviceId: number;
}

/** The content of a channel state record, as a signer builds it. */
export interface ChannelStateFields {
  channelId: Uint8Array;
  epoch: number;
  previousHash: Uint8Array;
  name: string;
  classification: number;
  policy: ChannelPolicy;
  members: ChannelMemberEntry[];
  status: ChannelStatus;
  signer: DeviceRef;
  signedAtMs: number;
  /** Why the channel is paused; only kept while `status` is `paused`. */
  pausedReason?: string;
}

/** A decoded channel state record. */
export interface ChannelState extends ChannelStateFields {
  /** SHA-256 of the signed body: the next record's `previousHash`. */
  hash: Uint8Array;
  /** The encoded SignedRecord, as signed (store and forward these exact bytes). */
  encoded: Uint8Array;
  /** Signature over the body, checked by `applyChannelChange`. */
  signature: Uint8Array;
  body: Uint8Array;
}

export const CHANNEL_ID_BYTES = 16;
export const MAX_CHANNEL_MEMBERS = 1000;
/** In bytes of UTF-8: the limits the API checks before a state is made (src/shared/model/limits.ts). */
export const MAX_CHANNEL_NAME = MAX_NAME_BYTES;
export const MAX_PAUSED_REASON = MAX_REASON_BYTES;

const ROLE_PB: Record<ChannelRole, PbChannelRole> = {
  owner: PbChannelRole.OWNER,
  lead: PbChannelRole.LEAD,
  member: PbChannelRole.MEMBER,
  records: PbChannelRole.RECORDS,
};
const STATUS_PB: Record<ChannelStatus, PbChannelStatus> = {
  active: PbChannelStatus.ACTIVE,
  paused: PbChannelStatus.PAUSED,
  wiped: PbChannelStatus.WIPED,
};
const RECORDING_PB = {
  'off-the-record': PbRecordingMode.OFF_THE_RECORD,
  devices: PbRecordingMode.DEVICES,
  archived: PbRecordingMode.ARCHIVED,
} as const;

// Wire numbers back to names, looked up once per record and member.
const STATUS_OF = new Map(CHANNEL_STATUSES.map((st) => [STATUS_PB[st] as number, st]));
const RECORDING_OF = new Map(RECORDING_MODES.map((m) => [RECORDING_PB[m] as number, m]));
const ROLE_OF = new Map(CHANNEL_ROLES.map((r) => [ROLE_PB[r] as number, r]));

export function sha256(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(hash('sha256', bytes, 'buffer'));
}

export function encodeChannelStateBody(f: ChannelStateFields): Uint8Array<ArrayBuffer> {
  return encodeMessage(ChannelStateBodySchema, {
    channelId: f.channelId,
    epoch: BigInt(f.epoch),
    previousHash: f.previousHash,
    name: f.name,
    classification: f.classification,
    policy: {
      recording: RECORDING_PB[f.policy.recording],
      messageLifetimeMs: BigInt(f.policy.messageLifetimeMs),
      burnAfterReading: f.policy.burnAfterReading,
      endsAtMs: BigInt(f.policy.endsAtMs),
      allowCopy: f.policy.allowCopy,
      allowExport: f.policy.allowExport,
      allowAttachments: f.policy.allowAttachments,
      blockScreenCapture: f.policy.screenCapture === 'block',
      readReceipts: f.policy.readReceipts,
    },
    members: f.members.map((m) => ({ userId: m.userId, role: ROLE_PB[m.role] })),
    status: STATUS_PB[f.status],
    signer: { userId: f.signer.userId, deviceId: f.signer.deviceId },
    signedAtMs: BigInt(f.signedAtMs),
    pausedReason: f.status === 'paused' ? (f.pausedReason ?? '') : '',
  });
}

/** Signs a channel state with the signer device's identity key; returns the encoded record. */
export function signChannelState(identityKey: PrivateKey, fields: ChannelStateFields): Uint8Array<ArrayBuffer> {
  return signRecord(identityKey, CONTEXT.channelState, encodeChannelStateBody(fields));
}

/** Decodes a signed channel state record (signature NOT yet checked). Throws CodecError. */
export function decodeChannelState(encoded: Uint8Array): ChannelState {
  const what = 'channel state';
  const { body, signature } = openRecord(encoded, what);
  let b: WireChannelState;
  try {
    b = decodeChannelStateWire(body);
  } catch (e) {
    throw new CodecError(what, 'malformed', { cause: e });
  }
  // Filled in place rather than spread: every channel change on every device passes here.
  const state = fieldsOf(b, what) as ChannelState;
  state.hash = sha256(body);
  state.encoded = encoded;
  state.signature = signature;
  state.body = body;
  return state;
}

function fieldsOf(b: WireChannelState, what: string): ChannelStateFields {
  if (b.channelId.length !== CHANNEL_ID_BYTES) throw new CodecError(what, 'channel id must be 16 bytes');
  if (b.previousHash.length !== 0 && b.previousHash.length !== 32) throw new CodecError(what, 'bad previous hash');
  if (utf8Length(b.name) > MAX_CHANNEL_NAME) throw new CodecError(what, 'name too long');
  if (b.members.length > MAX_CHANNEL_MEMBERS) throw new CodecError(what, 'too many members');
  if (utf8Length(b.pausedReason) > MAX_PAUSED_REASON) throw new CodecError(what, 'pause reason too long');
  const hidden = unsafeCharacterIn(b.name) ?? unsafeCharacterIn(b.pausedReason);
  if (hidden) throw new CodecError(what, `name or pause reason holds ${hidden}, an invisible, control or text-direction character`);
  if (!b.signer || !b.policy) throw new CodecError(what, 'missing signer or policy');
  const status = STATUS_OF.get(b.status);
  if (!status) throw new CodecError(what, 'unknown status');
  const p = b.policy;
  const recording = RECORDING_OF.get(p.recording);
  if (!recording) throw new CodecError(what, 'unknown recording mode');
  const members = b.members.map((m) => {
    const role = ROLE_OF.get(m.role);
    if (!role) throw new CodecError(what, 'unknown member role');
    return { userId: m.userId, role };
  });
  const fields: ChannelStateFields = {
    channelId: b.channelId,
    epoch: safeNumber(b.epoch, what, 'epoch'),
    previousHash: b.previousHash,
    name: b.name,
    classification: b.classification,
    policy: {
      recording,
      messageLifetimeMs: safeNumber(p.messageLifetimeMs, what, 'message lifetime'),
      burnAfterReading: p.burnAfterReading,
      endsAtMs: safeNumber(p.endsAtMs, what, 'end time'),
      allowCopy: p.allowCopy,
      allowExport: p.allowExport,
      allowAttachments: p.allowAttachments,
      screenCapture: p.blockScreenCapture ? 'block' : 'allow',
      readReceipts: p.readReceipts,
    },
    members,
    status,
    signer: { userId: b.signer.userId, deviceId: b.signer.deviceId },
    signedAtMs: safeNumber(b.signedAtMs, what, 'signing time'),
  };
  if (status === 'paused' && b.pausedReason) fields.pausedReason = b.pausedReason;
  return fields;
}

/** Fields for the next record after `prev`, with the chain fields filled in; override the rest. */
export function nextStateFields(prev: ChannelState, signer: DeviceRef, nowMs: number,
  change: Partial<Pick<ChannelStateFields, 'name' | 'classification' | 'policy' | 'members' | 'status' | 'pausedReason'>>): ChannelStateFields {
  const status = change.status ?? prev.status;
  // A reason belongs to one pause: resuming drops it, other changes while paused keep it.
  const pausedReason = status !== 'paused' ? undefined : 'pausedReason' in change ? change.pausedReason : prev.pausedReason;
  return {
    channelId: prev.channelId,
    epoch: prev.epoch + 1,
    previousHash: prev.hash,
    name: change.name ?? prev.name,
    classification: change.classification ?? prev.classification,
    policy: change.policy ?? prev.policy,
    members: change.members ?? prev.members,
    status,
    signer,
    signedAtMs: nowMs,
    ...(pausedReason ? { pausedReason } : {}),
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
