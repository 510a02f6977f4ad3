/**
 * The data shapes that cross the API between the UI (or the CLI) and the engine. These are views:
 * they carry what a screen needs and nothing secret (no keys, no raw protocol state).
 */
import { z } from 'zod';
import { isWellFormedText, utf8Length } from '../model/limits.ts';
import { RECORDING_MODES } from '../model/policy.ts';
import { isSafeText, UNSAFE_TEXT_MESSAGE } from '../model/safeText.ts';
import { CHANNEL_ROLES, ORG_ROLES } from '../model/roles.ts';

export const Id = z.string().min(1).max(128);

/**
 * Text a person typed (a message, a name, a reason): refused with INVALID_TEXT when it holds a lone
 * surrogate (it could not be sent as typed), and with TOO_LARGE above `maxBytes` bytes of UTF-8 (the
 * limits of src/shared/model/limits.ts, which every receiver applies too). `invoke` maps the
 * `apiError` of a refused check to that error code.
 */
export function typedText(maxBytes: number, opts: { trim?: boolean } = {}) {
  const base = opts.trim ? z.string().trim() : z.string();
  return base
    .refine((s) => s.length > 0, { params: { apiError: 'EMPTY_TEXT' }, abort: true })
    // A character takes at least one byte: this cheap bound (too_big: TOO_LARGE) comes first.
    .max(maxBytes)
    .refine(isWellFormedText, { params: { apiError: 'INVALID_TEXT' }, abort: true })
    .refine((s) => utf8Length(s) <= maxBytes, { params: { apiError: 'TOO_LARGE' } });
}
/**
 * A passphrase: refused with PASSPHRASE_REQUIRED when empty, PASSPHRASE_TOO_SHORT under
 * `minLength` characters (a new one), TOO_LARGE over 1,024.
 */
export function passphrase(minLength: number) {
  return z
    .string()
    .refine((s) => s.length > 0, { params: { apiError: 'PASSPHRASE_REQUIRED' }, abort: true })
    .refine((s) => s.length >= minLength, { params: { apiError: 'PASSPHRASE_TOO_SHORT' }, abort: true })
    .max(1024);
}

/** A name or reason someone else will read: typed text with visible characters only (model/safeText.ts). */
export function SafeText(maxBytes: number) {
  return typedText(maxBytes, { trim: true }).refine(isSafeText, UNSAFE_TEXT_MESSAGE);
}
/** Unix time in milliseconds. */
export const TimeMs = z.number().int().nonnegative();

export const PolicySchema = z.object({
  recording: z.enum(RECORDING_MODES),
  messageLifetimeMs: z.number().int().nonnegative(),
  burnAfterReading: z.boolean(),
  endsAtMs: TimeMs,
  allowCopy: z.boolean(),
  allowExport: z.boolean(),
  allowAttachments: z.boolean(),
  screenCapture: z.enum(['allow', 'block']),
  readReceipts: z.boolean(),
});
export type PolicyView = z.infer<typeof PolicySchema>;

export const ClassificationSchema = z.object({
  level: z.number().int().nonnegative(),
  label: z.string(),
  short: z.string(),
  colour: z.string(),
});

export const CHANNEL_STATUSES = ['active', 'paused', 'wiped'] as const;
export const KEY_PROVIDERS = ['os-keystore', 'tpm', 'pkcs11', 'passphrase'] as const;
export type KeyProviderKind = (typeof KEY_PROVIDERS)[number];

/** One row of the channel list. */
export const ChannelSummarySchema = z.object({
  id: Id,
  name: z.string(),
  classification: z.number().int().nonnegative(),
  policy: PolicySchema,
  status: z.enum(CHANNEL_STATUSES),
  /** Why the channel is paused, as typed by whoever paused it; shown in the composer. */
  pausedReason: z.string().nullable(),
  /** A direct conversation (a channel of two). */
  direct: z.boolean(),
  /** False when this device is not a member: a security officer acting on any channel of the organisation. */
  member: z.boolean().optional(),
  myRole: z.enum(CHANNEL_ROLES),
  unread: z.number().int().nonnegative(),
  lastMessageAt: TimeMs.nullable(),
  /** What this device may do here, derived from role, status and policy. */
  can: z.object({
    send: z.boolean(),
    manage: z.boolean(),
    pause: z.boolean(),
    wipe: z.boolean(),
    export: z.boolean(),
    attach: z.boolean(),
    copy: z.boolean(),
  }),
});
export type ChannelSummary = z.infer<typeof ChannelSummarySchema>;

/** One channel of the organisation as a security officer sees it (from its verified signed state). */
export const OrgChannelSchema = z.object({
  id: Id,
  name: z.string(),
  classification: z.number().int().nonnegative(),
  status: z.enum(CHANNEL_STATUSES),
  pausedReason: z.string().nullable(),
  membersCount: z.number().int().nonnegative(),
  /** Whether this device is a member too (then it also appears in `listChannels`). */
  member: z.boolean(),
  policy: PolicySchema,
  /** When the state was last changed (its signature time). */
  changedAt: TimeMs,
});
export type OrgChannel = z.infer<typeof OrgChannelSchema>;

export const DeviceViewSchema = z.object({
  deviceId: Id,
  /** 60 digits in 12 groups of 5, as libsignal's displayable fingerprint. */
  safetyNumber: z.string(),
  verified: z.boolean(),
  /** The identity key changed since it was verified: sending to it is blocked until re-verified. */
  identityChanged: z.boolean(),
  lastSeenAt: TimeMs.nullable(),
  revoked: z.boolean(),
});

export const MemberViewSchema = z.object({
  userId: Id,
  displayName: z.string(),
  role: z.enum(CHANNEL_ROLES),
  clearance: z.number().int().nonnegative(),
  orgRoles: z.array(z.enum(ORG_ROLES)),
  devices: z.array(DeviceViewSchema),
});
export type MemberView = z.infer<typeof MemberViewSchema>;

export const ChannelDetailsSchema = ChannelSummarySchema.extend({
  epoch: z.number().int().nonnegative(),
  members: z.array(MemberViewSchema),
  createdAt: TimeMs,
  createdBy: Id,
});
export type ChannelDetails = z.infer<typeof ChannelDetailsSchema>;

/**
 * `unreachable`: that device cannot get this message (it has published no keys yet, or the member
 * has no enrolled device — then `deviceId` is '0'); the others still receive it.
 */
export const DELIVERY_STATES = ['pending', 'sent', 'delivered', 'read', 'failed', 'unreachable'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const AttachmentViewSchema = z.object({
  name: z.string().max(255),
  mime: z.string().max(128),
  size: z.number().int().nonnegative(),
});

export const MessageViewSchema = z.object({
  id: Id,
  channelId: Id,
  senderUserId: Id,
  senderDeviceId: Id,
  senderName: z.string(),
  mine: z.boolean(),
  text: z.string(),
  attachments: z.array(AttachmentViewSchema),
  sentAt: TimeMs,
  receivedAt: TimeMs,
  /** When retention deletes it (lifetime or burn-after-reading), if known. */
  expiresAt: TimeMs.nullable(),
  readByMe: z.boolean(),
  /** For my own messages: the overall state (the least advanced device) and per-device detail. */
  delivery: z.enum(DELIVERY_STATES).nullable(),
  deliveries: z.array(z.object({ userId: Id, deviceId: Id, state: z.enum(DELIVERY_STATES) })),
});
export type MessageView = z.infer<typeof MessageViewSchema>;

export const PersonSchema = z.object({
  userId: Id,
  displayName: z.string(),
  clearance: z.number().int().nonnegative(),
  orgRoles: z.array(z.enum(ORG_ROLES)),
});
export type Person = z.infer<typeof PersonSchema>;

/**
 * `revoked`: the organisation revoked this device (proof checked; the profile is erased).
 * `revocation-unproven`: the relay said so without the organisation's signed revocation; nothing
 * was erased and Valise stopped connecting until it is unlocked again.
 */
export const CONNECTION_STATES = ['offline', 'connecting', 'online', 'revoked', 'revocation-unproven'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export const SettingsSchema = z.object({
  /** What a desktop notification shows; off-the-record channels never show content. */
  notifications: z.enum(['content', 'sender', 'none']),
  autoLockMinutes: z.number().int().min(0).max(24 * 60),
  sendOnEnter: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  notifications: 'sender',
  autoLockMinutes: 10,
  sendOnEnter: true,
  theme: 'system',
};

/**
 * How far this device's clock is ahead of the relay's (negative: behind); `skewed` when more than
 * the allowed skew, which the app shows as a banner and `valise status` prints.
 */
export const ClockStateSchema = z.object({ offsetMs: z.number().int(), skewed: z.boolean() });
export type ClockState = z.infer<typeof ClockStateSchema>;

export const StatusSchema = z.object({
  /** no-profile: first run; enrolling: waiting for approval; locked / unlocked: enrolled. */
  state: z.enum(['no-profile', 'enrolling', 'locked', 'unlocked']),
  keyProvider: z.enum(KEY_PROVIDERS).nullable(),
  org: z
    .object({
      name: z.string(),
      /** An organisation started on this machine (embedded relay); the UI labels it as such. */
      local: z.boolean(),
      classifications: z.array(ClassificationSchema),
    })
    .nullable(),
  me: z
    .object({
      userId: Id,
      deviceId: Id,
      displayName: z.string(),
      clearance: z.number().int().nonnegative(),
      orgRoles: z.array(z.enum(ORG_ROLES)),
    })
    .nullable(),
  connection: z.enum(CONNECTION_STATES),
  /** Whether a channel whose policy blocks screen capture is really kept out of captures here (absent: it is not). */
  captureBlockable: z.boolean().optional(),
  /** This device's clock against the relay's at the last connection (null before one). */
  clock: ClockStateSchema.nullable().optional(),
});
export type Status = z.infer<typeof StatusSchema>;
