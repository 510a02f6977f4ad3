/**
 * RelayTrust on the crypto layer: the relay judges certificates, revocations, channel changes and
 * wipes with exactly the functions the clients use (src/crypto), against the pinned org key.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { EnvelopeSchema } from '../../gen/valise/v1/envelope_pb.ts';
import {
  applyChannelChange,
  CertificateError,
  decodeChannelState,
  decodeWipeCommand,
  LIMITS,
  OrgTrust,
  orgIdentity,
  verifyAdminChallenge,
  verifyAuthChallenge,
  verifyDeviceCertificate,
  verifyEnrolmentRequest,
  enrolmentCode,
  verifyMemberCertificate,
  verifyRevocation,
  verifyWipeCommand,
  type ChannelState,
  type DeviceCertificate,
  type OrgIdentity,
  blobLength,
  isBlobLength,
} from '../../crypto/index.ts';
import { RelayError } from '../../relay/errors.ts';
import { unsafeTextReason } from './unsafeTextReason.ts';
import { readEnvelopeRouting, type FastEnvelopeRouting } from '../../relay/wire.ts';
import type { ChannelView, DeviceCertInfo, EnrolmentInfo, EnvelopeRouting, MemberCertInfo, RelayTrust, RevocationInfo } from './RelayTrust.ts';

export class CryptoRelayTrust implements RelayTrust {
  private readonly org: OrgIdentity;
  private readonly trust: OrgTrust;

  constructor(orgId: string, rootPublicKey: Uint8Array) {
    this.org = orgIdentity(orgId, rootPublicKey);
    this.trust = new OrgTrust(this.org);
  }

  verifyDeviceCertificate(bytes: Uint8Array, nowMs: number): DeviceCertInfo {
    let c: DeviceCertificate;
    try {
      c = verifyDeviceCertificate(bytes, this.org, nowMs, this.trust);
    } catch (e) {
      if (e instanceof CertificateError && e.problem === 'revoked') {
        throw new RelayError('AUTH_REVOKED', 'This device was revoked by the security officer. Ask them to enrol it again if that was a mistake.', { cause: e });
      }
      if (e instanceof CertificateError && (e.problem === 'expired' || e.problem === 'not-yet-valid')) {
        throw new RelayError('AUTH_EXPIRED', 'The device certificate is expired or not yet valid. Ask your security officer to renew it, and check the clock.', { cause: e });
      }
      throw new RelayError('AUTH_UNSANCTIONED', 'This device has no certificate from this organisation. Enrol it with your security officer.', { cause: e });
    }
    return { userId: c.userId, deviceId: c.deviceId, identityKey: c.identityKey.serialize(), serial: c.serial, notAfterMs: c.notAfterMs, key: c.identityKey };
  }

  verifyMemberCertificate(bytes: Uint8Array, nowMs: number): MemberCertInfo {
    try {
      const m = verifyMemberCertificate(bytes, this.org, nowMs, this.trust);
      return { userId: m.userId, displayName: m.displayName, clearance: m.clearance, roles: [...m.roles], serial: m.serial };
    } catch (e) {
      throw new RelayError('CERTIFICATE_REFUSED', 'The member certificate does not verify against the organisation key, or is expired or revoked.', { cause: e });
    }
  }

  verifyRevocation(bytes: Uint8Array): RevocationInfo {
    try {
      const r = verifyRevocation(bytes, this.org);
      return { target: r.target, serial: r.revokedSerial };
    } catch (e) {
      throw new RelayError('CERTIFICATE_REFUSED', 'The revocation is not signed by the organisation key.', { cause: e });
    }
  }

  learnMember(bytes: Uint8Array): void {
    this.quietly(() => this.trust.addMemberCertificate(bytes));
  }

  learnDevice(bytes: Uint8Array): void {
    this.quietly(() => this.trust.addDeviceCertificate(bytes));
  }

  learnRevocation(bytes: Uint8Array): void {
    this.trust.addRevocation(bytes);
  }

  isRevoked(target: 'member' | 'device', serial: number): boolean {
    return this.trust.isRevoked(target, serial);
  }

  verifyDeviceChallenge(device: DeviceCertInfo, challenge: Uint8Array, signature: Uint8Array): boolean {
    return verifyAuthChallenge(device.key as DeviceCertificate['identityKey'], challenge, signature);
  }

  verifyAdminChallenge(challenge: Uint8Array, signature: Uint8Array): boolean {
    return verifyAdminChallenge(this.org.rootPublicKey, challenge, signature);
  }

  readEnrolment(bytes: Uint8Array): EnrolmentInfo {
    try {
      const r = verifyEnrolmentRequest(bytes);
      if (r.orgId !== this.org.orgId) throw new RelayError('BAD_REQUEST', 'This enrolment request is for another organisation. Check org.json.');
      for (const [what, text] of [['user name', r.userName], ['device name', r.deviceName]] as const) {
        const why = unsafeTextReason(text);
        if (why) throw new RelayError('NAME_REFUSED', `The ${what} of this enrolment request contains ${why}. Type the name again with letters, digits and punctuation only.`);
      }
      return { displayName: r.userName, deviceName: r.deviceName, identityKey: r.identityKey.serialize() };
    } catch (e) {
      if (e instanceof RelayError) throw e;
      throw new RelayError('BAD_REQUEST', 'The enrolment request is malformed or not signed by its own key.', { cause: e });
    }
  }

  enrolmentCode(requestId: string, request: Uint8Array, nonceRecord: Uint8Array): string {
    try {
      return enrolmentCode(this.org.rootPublicKey, { orgId: this.org.orgId, requestId, request }, nonceRecord);
    } catch (e) {
      throw new RelayError('BAD_REQUEST', 'The enrolment nonce is not signed by this organisation for this request. Run "valise-admin pending" again.', { cause: e });
    }
  }

  readEnvelope(bytes: Uint8Array): EnvelopeRouting {
    if (bytes.length > LIMITS.envelope) throw new RelayError('BAD_REQUEST', `The envelope is larger than ${LIMITS.envelope} bytes.`);
    // The canonical encoding is read in place; anything else by the generated decoder.
    let e: FastEnvelopeRouting | undefined = readEnvelopeRouting(bytes);
    if (!e) {
      try {
        const g = fromBinary(EnvelopeSchema, bytes);
        e = { id: g.id, channelId: g.channelId, sentAtMs: Number(g.sentAtMs), expiresAtMs: Number(g.expiresAtMs), ...(g.sender ? { sender: g.sender } : {}), ...(g.recipient ? { recipient: g.recipient } : {}) };
      } catch (err) {
        throw new RelayError('BAD_REQUEST', 'The envelope is malformed.', { cause: err });
      }
    }
    if (e.id.length !== 16 || !e.sender || (e.channelId.length !== 0 && e.channelId.length !== 16)) {
      throw new RelayError('BAD_REQUEST', 'The envelope lacks an id of 16 bytes, a sender or a valid channel id.');
    }
    return {
      id: e.id,
      channelId: e.channelId,
      sender: { userId: e.sender.userId, deviceId: e.sender.deviceId },
      ...(e.recipient ? { recipient: { userId: e.recipient.userId, deviceId: e.recipient.deviceId } } : {}),
      sentAtMs: e.sentAtMs,
      expiresAtMs: e.expiresAtMs,
    };
  }

  channelIdOf(change: Uint8Array): Uint8Array {
    try {
      return decodeChannelState(change).channelId;
    } catch (e) {
      throw new RelayError('CHANNEL_CHANGE_REFUSED', 'The channel change is malformed.', { cause: e });
    }
  }

  wipeChannelIdOf(wipe: Uint8Array): Uint8Array {
    try {
      return decodeWipeCommand(wipe).channelId;
    } catch (e) {
      throw new RelayError('BAD_REQUEST', 'The wipe command is malformed.', { cause: e });
    }
  }

  restoreChannel(change: Uint8Array): ChannelView {
    return viewOf(decodeChannelState(change));
  }

  applyChannelChange(prev: ChannelView | undefined, change: Uint8Array, nowMs: number): ChannelView {
    const r = applyChannelChange((prev?.state as ChannelState | undefined) ?? null, change, this.trust.view(nowMs));
    if (r.kind === 'rejected') {
      throw new RelayError('CHANNEL_CHANGE_REFUSED', `The channel change was refused (${r.reason}). Fetch the current state and try again.`, { reason: r.reason });
    }
    return viewOf(r.state);
  }

  verifyWipe(current: ChannelView, wipe: Uint8Array, nowMs: number): void {
    try {
      verifyWipeCommand(wipe, current.state as ChannelState, this.trust.view(nowMs));
    } catch (e) {
      throw new RelayError('FORBIDDEN', 'The wipe command is not valid for the current state of this channel, or its issuer may not wipe it.', { cause: e });
    }
  }

  blobLength(fileBytes: number): number {
    return blobLength(fileBytes);
  }

  isBlobLength(length: number): boolean {
    return isBlobLength(length);
  }

  private quietly(f: () => unknown): void {
    try {
      f();
    } catch (e) {
      // A certificate revoked since it was stored stays out of the trust view; anything else is ours.
      if (!(e instanceof CertificateError)) throw e;
    }
  }
}

function viewOf(s: ChannelState): ChannelView {
  return {
    channelId: s.channelId,
    epoch: s.epoch,
    status: s.status,
    memberUserIds: s.members.map((m) => m.userId),
    messageLifetimeMs: s.policy.messageLifetimeMs,
    allowAttachments: s.policy.allowAttachments,
    state: s,
  };
}
