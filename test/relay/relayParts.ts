/**
 * A relay's parts without a network: a Relay over an in-memory SqliteRelayStore, the real
 * CryptoRelayTrust of a fresh organisation, a manual clock, and helpers to publish members and
 * devices straight into the directory and to sign channel states.
 */
import { randomBytes } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import pino from 'pino';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import {
  decodeChannelState,
  generateOrgRootKey,
  issueDeviceCertificate,
  issueMemberCertificate,
  issueRevocation,
  nextStateFields,
  signAuthChallenge,
  signChannelState,
  type ChannelState,
  type OrgRootKey,
} from '../../src/crypto/index.ts';
import { EnvelopeSchema, EnvelopeType } from '../../src/gen/valise/v1/envelope_pb.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import type { OrgRole } from '../../src/shared/model/roles.ts';
import { DEFAULT_LIMITS, Relay, type RelayLimits } from '../../src/server/Relay.ts';
import type { DeviceAddress } from '../../src/server/store/RelayStore.ts';
import { SqliteRelayStore } from '../../src/server/store/SqliteRelayStore.ts';
import { CryptoRelayTrust } from '../../src/server/trust/CryptoRelayTrust.ts';

export const T0 = 1_800_000_000_000;
const DAY = 24 * 3600 * 1000;

export interface PartDevice extends DeviceAddress {
  identity: IdentityKeyPair;
  certificate: Uint8Array;
  serial: number;
}

/** A fresh device identity key pair (the server layer does not import libsignal itself). */
export const newIdentity = (): IdentityKeyPair => IdentityKeyPair.generate();
export type { IdentityKeyPair };

export class RelayParts {
  readonly orgId = 'org-parts';
  readonly root: OrgRootKey = generateOrgRootKey();
  readonly store = new SqliteRelayStore(':memory:');
  nowMs = T0;
  private serial = 1;
  readonly relay: Relay;

  constructor(limits: Partial<RelayLimits> = {}) {
    const trust = new CryptoRelayTrust(this.orgId, this.root.publicKey.serialize());
    this.relay = new Relay(this.store, trust, { ...DEFAULT_LIMITS, ...limits }, pino({ level: 'silent' }), () => this.nowMs);
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  memberCertificate(userId: string, o: { roles?: OrgRole[]; clearance?: number; serial?: number } = {}): Uint8Array {
    return issueMemberCertificate(this.root.privateKey, {
      orgId: this.orgId, serial: o.serial ?? this.serial++, userId, displayName: userId, clearance: o.clearance ?? 3,
      roles: o.roles ?? ['delegate', 'lead'], notBeforeMs: T0 - DAY, notAfterMs: T0 + 365 * DAY,
    });
  }

  /** A member with one device, both known to the directory. */
  async user(userId: string, o: { roles?: OrgRole[]; deviceId?: number } = {}): Promise<PartDevice> {
    await this.relay.directory.publishMember(this.memberCertificate(userId, o));
    return this.device(userId, o.deviceId ?? 1);
  }

  async device(userId: string, deviceId: number, o: { notAfterMs?: number } = {}): Promise<PartDevice> {
    const identity = IdentityKeyPair.generate();
    const serial = this.serial++;
    const certificate = issueDeviceCertificate(this.root.privateKey, {
      orgId: this.orgId, serial, userId, deviceId, identityKey: identity.publicKey,
      notBeforeMs: T0 - DAY, notAfterMs: o.notAfterMs ?? T0 + 365 * DAY,
    });
    await this.relay.directory.addDevice(this.relay.directory.verifyDeviceCertificate(certificate), certificate);
    return { userId, deviceId, identity, certificate, serial };
  }

  /** The device's answer to an authentication challenge. */
  sign(device: PartDevice, challenge: Uint8Array): Uint8Array {
    return signAuthChallenge(device.identity.privateKey, challenge);
  }

  /** An org-signed revocation of a device or member certificate serial. */
  revocation(target: 'device' | 'member', revokedSerial: number): Uint8Array {
    return issueRevocation(this.root.privateKey, { orgId: this.orgId, target, revokedSerial, revokedAtMs: this.nowMs, reason: 'lost' });
  }

  /** A signed first state (epoch 0) by `owner` with the given other members. */
  create(owner: PartDevice, memberIds: string[], channelId: Uint8Array = new Uint8Array(randomBytes(16))): { bytes: Uint8Array; state: ChannelState } {
    const bytes = signChannelState(owner.identity.privateKey, {
      channelId, epoch: 0, previousHash: new Uint8Array(), name: 'talks', classification: 1, policy: DEFAULT_POLICY,
      members: [{ userId: owner.userId, role: 'owner' }, ...memberIds.map((userId) => ({ userId, role: 'member' as const }))],
      status: 'active', signer: { userId: owner.userId, deviceId: owner.deviceId }, signedAtMs: this.nowMs,
    });
    return { bytes, state: decodeChannelState(bytes) };
  }

  /** The next signed state after `prev`, by `signer`. */
  next(signer: PartDevice, prev: ChannelState, change: Parameters<typeof nextStateFields>[3]): { bytes: Uint8Array; state: ChannelState } {
    const bytes = signChannelState(signer.identity.privateKey, nextStateFields(prev, { userId: signer.userId, deviceId: signer.deviceId }, this.nowMs, change));
    return { bytes, state: decodeChannelState(bytes) };
  }

  audit(): { event: string; actor: string; detail: string }[] {
    return this.store.readAudit(0, 1000).map((e) => ({ event: e.event, actor: e.actor, detail: e.detail }));
  }
}

/** An envelope's bytes as a device would send them (opaque ciphertext). */
export function envelopeBytes(from: DeviceAddress, o: { channelId?: Uint8Array; to?: DeviceAddress; id?: Uint8Array; sentAtMs?: number; expiresAtMs?: number } = {}): { id: Uint8Array; bytes: Uint8Array } {
  const id = o.id ?? new Uint8Array(randomBytes(16));
  const e = create(EnvelopeSchema, {
    id,
    channelId: o.channelId ?? new Uint8Array(),
    sender: { userId: from.userId, deviceId: from.deviceId },
    ...(o.to ? { recipient: { userId: o.to.userId, deviceId: o.to.deviceId } } : {}),
    type: o.to ? EnvelopeType.WHISPER : EnvelopeType.SENDER_KEY,
    ciphertext: new TextEncoder().encode('opaque ciphertext'),
    sentAtMs: BigInt(o.sentAtMs ?? T0),
    expiresAtMs: BigInt(o.expiresAtMs ?? 0),
  });
  return { id, bytes: toBinary(EnvelopeSchema, e) };
}
