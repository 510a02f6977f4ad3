/**
 * The event stream from the engine to the UI and the CLI. Events carry views, never secrets; a
 * client that misses some can always re-read state with the methods.
 */
import { z } from 'zod';
import { ChannelSummarySchema, CONNECTION_STATES, Id, MessageViewSchema, TimeMs } from './schemas.ts';

export const ApiEventSchema = z.discriminatedUnion('type', [
  /** A new message in a channel (also my own, sent from another of my devices). */
  z.object({ type: z.literal('messageReceived'), message: MessageViewSchema }),
  /** Delivery state, read state or expiry of a message changed. */
  z.object({ type: z.literal('messageUpdated'), message: MessageViewSchema }),
  /** Messages removed by retention (lifetime, burn-after-reading) or by a wipe. */
  z.object({ type: z.literal('messageDeleted'), channelId: Id, messageIds: z.array(Id) }),
  /** A channel was created, or its name, policy, members, classification or status changed. */
  z.object({ type: z.literal('channelChanged'), channel: ChannelSummarySchema }),
  /** A channel is gone from this device: wiped, ended, or I was removed from it. */
  z.object({ type: z.literal('channelRemoved'), channelId: Id, reason: z.enum(['wiped', 'ended', 'removed', 'declassified']) }),
  /** Receipts of a wipe I issued are arriving. */
  z.object({ type: z.literal('wipeProgress'), channelId: Id, confirmed: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  /** A catch-up after being offline: `done` of `total` queued envelopes processed. */
  z.object({ type: z.literal('syncProgress'), done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  /** The relay connection changed; `nextAttemptAt` is set while waiting to reconnect. */
  z.object({ type: z.literal('connection'), state: z.enum(CONNECTION_STATES), nextAttemptAt: TimeMs.nullable() }),
  /** This device's clock was found off from the relay's by more than the allowed skew, or back within it. */
  z.object({ type: z.literal('clock'), offsetMs: z.number().int(), skewed: z.boolean() }),
  /** The enrolment request got its comparison code (the officer opened it), or was approved or rejected. */
  z.object({ type: z.literal('enrolment'), state: z.enum(['code', 'approved', 'rejected']) }),
  /** The profile was locked (by the user, by idle time, or because the device was revoked). */
  z.object({ type: z.literal('locked'), reason: z.enum(['user', 'idle', 'revoked']) }),
]);

export type ApiEvent = z.infer<typeof ApiEventSchema>;
export type ApiEventType = ApiEvent['type'];
export type ApiEventOf<T extends ApiEventType> = Extract<ApiEvent, { type: T }>;
