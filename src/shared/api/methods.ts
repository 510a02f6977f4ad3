/**
 * Every method the engine serves, by name: its input schema and its output schema. The engine
 * validates each call's params (and its own result) against these at the boundary; the UI and the
 * CLI get their types from here. Changes are additive only: never rename or narrow a method.
 */
import { z } from 'zod';
import {
  ChannelDetailsSchema,
  ChannelSummarySchema,
  Id,
  KEY_PROVIDERS,
  MessageViewSchema,
  OrgChannelSchema,
  PersonSchema,
  PolicySchema,
  SafeText,
  SettingsSchema,
  StatusSchema,
  TimeMs,
  passphrase,
  typedText,
} from './schemas.ts';
import { MAX_NAME_BYTES, MAX_REASON_BYTES, MAX_TEXT_BYTES } from '../model/limits.ts';
import { CHANNEL_ROLES, ORG_ROLES } from '../model/roles.ts';

const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });
const ChannelRef = z.object({ channelId: Id }).strict();
/** A message text, bounded in bytes by the limit every receiver applies. */
const Text = typedText(MAX_TEXT_BYTES);
const Reason = SafeText(MAX_REASON_BYTES);
const Name = SafeText(MAX_NAME_BYTES);

export const API_METHODS = {
  /** Where the app stands: first run, enrolling, locked or unlocked; who I am; connection. */
  status: { input: Empty, output: StatusSchema },

  /** Opens the profile: unwraps the database key with the key provider (passphrase when that is the provider). */
  unlock: { input: z.object({ passphrase: passphrase(1).optional() }).strict(), output: StatusSchema },

  /** Closes the database and forgets keys in memory; emits `locked`. */
  lock: { input: Empty, output: Ok },

  /**
   * First run, join an organisation: `orgJson` is the text of the org.json file from the security
   * office, `relayUrl` overrides the address in it. Creates the profile, sends the enrolment request
   * and returns the comparison code to read out to the security officer. Then poll `enrolmentStatus`
   * (or wait for the `enrolment` event).
   */
  joinOrganisation: {
    input: z
      .object({
        orgJson: z.string().min(2).max(256 * 1024),
        relayUrl: z.url().optional(),
        displayName: Name,
        /** The enrolment token the security officer gave this person; the officer approves no request without it. */
        enrolmentToken: z.string().trim().max(100).optional(),
        keyProvider: z.enum(KEY_PROVIDERS),
        passphrase: passphrase(8).optional(),
      })
      .strict(),
    /** `comparisonCode` is null: it appears once the officer opens the request (event enrolment/code). */
    output: z.object({ comparisonCode: z.string().nullable(), requestId: Id }),
  },

  /** Where the enrolment request stands; `approved` means the profile is ready (state becomes unlocked). */
  enrolmentStatus: {
    input: Empty,
    output: z.object({
      state: z.enum(['none', 'pending', 'approved', 'rejected']),
      comparisonCode: z.string().nullable(),
    }),
  },

  /**
   * First run, start a local organisation on this machine: an embedded relay on SQLite in the
   * profile, this user as security officer and lead. Labelled `local` in `status`.
   */
  startLocalOrganisation: {
    input: z
      .object({
        orgName: Name,
        displayName: Name,
        keyProvider: z.enum(KEY_PROVIDERS),
        passphrase: passphrase(8).optional(),
      })
      .strict(),
    output: StatusSchema.extend({ relayUrl: z.string(), orgJson: z.string() }),
  },

  /**
   * Local organisation only, for its security officer (this profile holds the root key): the
   * enrolment requests of other profiles, each opened so that the new device shows its comparison
   * code too. FORBIDDEN in an organisation run by a security office (use valise-admin there).
   */
  listEnrolmentRequests: {
    input: Empty,
    output: z.object({
      requests: z.array(
        z.object({
          requestId: Id,
          displayName: z.string(),
          deviceName: z.string(),
          submittedAt: TimeMs,
          /** The member the request names when it is a further device of someone known; null for a new person. */
          userId: Id.nullable(),
        }),
      ),
    }),
  },

  /**
   * Local organisation only: approves a request once `comparisonCode` — the code the new device
   * shows, typed by the officer — matches. A new person becomes a member with this clearance and these roles.
   */
  approveEnrolment: {
    input: z
      .object({
        requestId: Id,
        comparisonCode: z.string().trim().min(1).max(32),
        clearance: z.number().int().nonnegative(),
        roles: z.array(z.enum(ORG_ROLES)).min(1).max(4).default(['delegate']),
      })
      .strict(),
    output: z.object({ userId: Id, deviceId: Id }),
  },

  /** The channels this device belongs to (direct conversations included), most recent first. */
  listChannels: { input: Empty, output: z.object({ channels: z.array(ChannelSummarySchema) }) },

  /** Policy, members, their devices and safety numbers of one channel. */
  channelDetails: { input: ChannelRef, output: ChannelDetailsSchema },

  /**
   * One page of a channel's messages, newest first. Pass the returned `nextCursor` as `before` for
   * older ones; `nextCursor` is null at the beginning of the channel.
   */
  listMessages: {
    input: z
      .object({ channelId: Id, before: z.string().max(256).optional(), limit: z.number().int().min(1).max(500).default(50) })
      .strict(),
    output: z.object({ messages: z.array(MessageViewSchema), nextCursor: z.string().nullable() }),
  },

  /**
   * Sends a message: it is in the outbox (and returned with delivery `pending`) before anything
   * goes out. Refused when the channel is paused or wiped, or attachments are not allowed.
   */
  send: {
    input: z
      .object({
        channelId: Id,
        text: Text,
        attachments: z
          .array(z.object({ name: z.string().min(1).max(255), mime: z.string().max(128), dataBase64: z.string().max(24 * 1024 * 1024) }).strict())
          .max(10)
          .optional(),
      })
      .strict(),
    output: z.object({ message: MessageViewSchema }),
  },

  /** Marks messages up to and including `upToMessageId` read; starts burn-after-reading timers; sends read receipts when the policy allows. */
  markRead: { input: z.object({ channelId: Id, upToMessageId: Id }).strict(), output: Ok },

  /** Full-text search across the channels I can read (off-the-record ones in memory only). */
  search: {
    input: z.object({ query: z.string().trim().min(1).max(200), channelId: Id.optional(), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    output: z.object({ hits: z.array(z.object({ message: MessageViewSchema, snippet: z.string() })) }),
  },

  /** The people of the organisation cleared for a classification (for the member picker). */
  listCleared: {
    input: z.object({ classification: z.number().int().nonnegative() }).strict(),
    output: z.object({ people: z.array(PersonSchema) }),
  },

  /**
   * Creates a channel (org role lead or security officer). Every member must be cleared; with
   * recording `archived` the records device is added as a visible member. Two people and
   * `direct: true` make a direct conversation (any member may create one).
   */
  createChannel: {
    input: z
      .object({
        name: Name,
        classification: z.number().int().nonnegative(),
        memberUserIds: z.array(Id).max(500),
        policy: PolicySchema,
        direct: z.boolean().default(false),
      })
      .strict(),
    output: ChannelSummarySchema,
  },

  /** Adds and removes members (lead or owner); removal rotates the sender keys. */
  changeMembers: {
    input: z
      .object({
        channelId: Id,
        add: z.array(z.object({ userId: Id, role: z.enum(CHANNEL_ROLES).default('member') }).strict()).max(500).default([]),
        remove: z.array(Id).max(500).default([]),
      })
      .strict(),
    output: ChannelDetailsSchema,
  },

  /** Replaces the channel's policy (lead or owner). */
  changePolicy: { input: z.object({ channelId: Id, policy: PolicySchema }).strict(), output: ChannelDetailsSchema },

  /**
   * Raises or lowers the classification. Raising removes members not cleared for it; the output
   * lists who left so the UI can say so.
   */
  changeClassification: {
    input: z.object({ channelId: Id, classification: z.number().int().nonnegative() }).strict(),
    output: z.object({ channel: ChannelDetailsSchema, removedUserIds: z.array(Id) }),
  },

  /**
   * Every live channel of the organisation, members or not (security officers only; FORBIDDEN
   * otherwise), each from its verified signed chain: for pausing, resuming or wiping any channel.
   */
  listOrgChannels: { input: Empty, output: z.object({ channels: z.array(OrgChannelSchema) }) },

  /**
   * Pauses a channel (its lead, or any security officer — also of a channel the officer is not a
   * member of): nobody can send; the reason is shown. Summary `member` is false for such a channel.
   */
  pause: { input: z.object({ channelId: Id, reason: Reason }).strict(), output: ChannelSummarySchema },

  /** Resumes a paused channel. */
  resume: { input: ChannelRef, output: ChannelSummarySchema },

  /**
   * Wipes the channel on every member device (lead, owner or security officer — the officer need
   * not be a member; receipts then come back to this device only): a signed command;
   * each device crypto-shreds it and returns a signed receipt. Follow with `wipeStatus`/`wipeProgress`.
   * `confirmName` must equal the channel's name (typed confirmation).
   */
  wipe: {
    input: z.object({ channelId: Id, confirmName: z.string().max(MAX_NAME_BYTES) }).strict(),
    output: z.object({ wipeId: Id, total: z.number().int().nonnegative() }),
  },

  /** Receipts of a wipe I issued: which devices confirmed, which are pending and when they were last seen. */
  wipeStatus: {
    input: ChannelRef,
    output: z.object({
      channelId: Id,
      issuedAt: TimeMs,
      total: z.number().int().nonnegative(),
      confirmed: z.array(z.object({ userId: Id, deviceId: Id, displayName: z.string(), at: TimeMs })),
      pending: z.array(z.object({ userId: Id, deviceId: Id, displayName: z.string(), lastSeenAt: TimeMs.nullable() })),
    }),
  },

  /**
   * Marks a person's device as verified. With `safetyNumber` the engine compares it (digits only,
   * spaces ignored) and refuses a mismatch; without it the user confirms a comparison made on screen.
   */
  verifySafetyNumber: {
    input: z.object({ userId: Id, deviceId: Id.optional(), safetyNumber: z.string().max(200).optional() }).strict(),
    output: z.object({ verified: z.boolean() }),
  },

  /** The channel's messages as a document, only when the policy allows export. The shell saves it. */
  export: {
    input: z.object({ channelId: Id, format: z.enum(['text', 'json']).default('text') }).strict(),
    output: z.object({ fileName: z.string(), mime: z.string(), content: z.string() }),
  },

  /** The user's settings. */
  getSettings: { input: Empty, output: SettingsSchema },

  /** Changes some settings; returns all of them. */
  setSettings: { input: SettingsSchema.partial().strict(), output: SettingsSchema },
} as const;

export type ApiMethods = typeof API_METHODS;
export type ApiMethod = keyof ApiMethods;
/** What a caller passes (defaults may be left out). */
export type ApiParams<M extends ApiMethod> = z.input<ApiMethods[M]['input']>;
/** What the engine receives after validation (defaults filled in). */
export type ApiInput<M extends ApiMethod> = z.output<ApiMethods[M]['input']>;
export type ApiResult<M extends ApiMethod> = z.output<ApiMethods[M]['output']>;

export const API_METHOD_NAMES = Object.keys(API_METHODS) as ApiMethod[];

export function isApiMethod(name: string): name is ApiMethod {
  return Object.hasOwn(API_METHODS, name);
}

/** Methods that work while the profile is locked or not yet created. */
export const UNLOCKED_NOT_REQUIRED: ReadonlySet<ApiMethod> = new Set<ApiMethod>([
  'status',
  'unlock',
  'lock',
  'joinOrganisation',
  'enrolmentStatus',
  'startLocalOrganisation',
  'getSettings',
]);
