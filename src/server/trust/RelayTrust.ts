/**
 * What the relay asks of the crypto layer, in the relay's own terms. The one implementation,
 * `CryptoRelayTrust`, delegates every check to src/crypto, so clients and relay apply the same
 * rules; this seam keeps libsignal types out of the protocol code.
 */
export interface DeviceCertInfo {
  userId: string;
  deviceId: number;
  identityKey: Uint8Array;
  serial: number;
  notAfterMs: number;
  /** The crypto layer's key object, for challenge checks. */
  key: unknown;
}

export interface MemberCertInfo {
  userId: string;
  displayName: string;
  clearance: number;
  roles: string[];
  serial: number;
}

export interface RevocationInfo {
  target: 'member' | 'device';
  serial: number;
}

export interface EnrolmentInfo {
  displayName: string;
  deviceName: string;
  identityKey: Uint8Array;
}

export interface EnvelopeRouting {
  id: Uint8Array;
  channelId: Uint8Array;
  sender: { userId: string; deviceId: number };
  recipient?: { userId: string; deviceId: number };
  /** The sender's clock when it sent the envelope (the same on a resend). */
  sentAtMs: number;
  expiresAtMs: number;
}

export type ChannelStatus = 'active' | 'paused' | 'wiped';

/** The relay's view of a verified channel state; `state` is crypto's own object, kept opaque. */
export interface ChannelView {
  channelId: Uint8Array;
  epoch: number;
  status: ChannelStatus;
  memberUserIds: string[];
  messageLifetimeMs: number;
  allowAttachments: boolean;
  state: unknown;
}

export interface RelayTrust {
  /** Throws a RelayError (AUTH_UNSANCTIONED, AUTH_EXPIRED, AUTH_REVOKED) when not acceptable. */
  verifyDeviceCertificate(bytes: Uint8Array, nowMs: number): DeviceCertInfo;
  /** Throws a RelayError (CERTIFICATE_REFUSED) when not acceptable. */
  verifyMemberCertificate(bytes: Uint8Array, nowMs: number): MemberCertInfo;
  /** Throws a RelayError (CERTIFICATE_REFUSED) when not signed by the organisation. */
  verifyRevocation(bytes: Uint8Array): RevocationInfo;
  /** Certificates and revocations the relay accepted, for the checks that need the directory. */
  learnMember(bytes: Uint8Array): void;
  learnDevice(bytes: Uint8Array): void;
  learnRevocation(bytes: Uint8Array): void;
  isRevoked(target: 'member' | 'device', serial: number): boolean;
  verifyDeviceChallenge(device: DeviceCertInfo, challenge: Uint8Array, signature: Uint8Array): boolean;
  verifyAdminChallenge(challenge: Uint8Array, signature: Uint8Array): boolean;
  /**
   * Throws a RelayError: BAD_REQUEST when the request is malformed or not self-signed,
   * NAME_REFUSED when a name holds control, bidi, zero-width or other invisible characters.
   */
  readEnrolment(bytes: Uint8Array): EnrolmentInfo;
  /**
   * The comparison code of a stored request under an org-signed nonce record; throws RelayError
   * BAD_REQUEST when the record is not the organisation's or not for this request.
   */
  enrolmentCode(requestId: string, request: Uint8Array, nonceRecord: Uint8Array): string;
  /** Throws a RelayError (BAD_REQUEST) when the envelope is malformed. */
  readEnvelope(bytes: Uint8Array): EnvelopeRouting;
  /** The channel a signed change is for (read before verification, to find the previous state). */
  channelIdOf(change: Uint8Array): Uint8Array;
  wipeChannelIdOf(wipe: Uint8Array): Uint8Array;
  /**
   * A change this relay accepted earlier, read back from its own store without judging it again
   * (its signer may have been revoked since, which does not undo what was accepted before).
   */
  restoreChannel(change: Uint8Array): ChannelView;
  /** Applies a signed change on top of `prev`; throws a RelayError (CHANNEL_CHANGE_REFUSED) on refusal. */
  applyChannelChange(prev: ChannelView | undefined, change: Uint8Array, nowMs: number): ChannelView;
  /** Verifies a wipe command against the current state; throws a RelayError (FORBIDDEN) on refusal. */
  verifyWipe(current: ChannelView, wipe: Uint8Array, nowMs: number): void;
  /** The length of the encrypted blob of a file of `fileBytes` (its size bucket, sealed). */
  blobLength(fileBytes: number): number;
  /** Whether `length` is some size bucket's blob length: the relay refuses any other length. */
  isBlobLength(length: number): boolean;
}
