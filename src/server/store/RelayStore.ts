/**
 * The relay's durable state behind one interface (issue 5 item 10): the SQLite implementation is
 * the embedded default; a PostgreSQL one can follow without touching the protocol code. Methods
 * return `MaybePromise` so a networked database can be awaited; callers always await them.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface MemberRecord {
  userId: string;
  displayName: string;
  clearance: number;
  roles: string[];
  serial: bigint;
  certificate: Uint8Array;
}

export interface DeviceRecord {
  userId: string;
  deviceId: number;
  identityKey: Uint8Array;
  serial: bigint;
  notAfterMs: number;
  certificate: Uint8Array;
}

export interface RevocationRecord {
  /** The revoked certificate's serial. */
  serial: bigint;
  userId: string;
  /** 0 when the whole user is revoked. */
  deviceId: number;
  revocation: Uint8Array;
}

export interface EnrolmentRecord {
  requestId: string;
  request: Uint8Array;
  displayName: string;
  submittedMs: number;
  deviceCertificate?: Uint8Array;
  userId?: string;
  /** The org-signed nonce the security officer issued for this request (at most one). */
  nonceRecord?: Uint8Array;
}

export type QueueItemKind = 'envelope' | 'channel-change' | 'wipe' | 'revocation';

export interface QueueItem {
  id: Uint8Array;
  kind: QueueItemKind;
  channelId: Uint8Array;
  payload: Uint8Array;
  expiresMs: number;
  /**
   * For envelopes, the sender's `sent_at_ms` (a resend carries the same): a store may order its
   * dedupe index by it so that new entries land together instead of at random places.
   */
  sentAtMs?: number;
  /** For envelopes, the sending device (`user:device`): it gets only its share of each queue. */
  sender?: string;
  /**
   * When the relay received the item, by its own clock; delivered with it so that a receiver can
   * refuse to show a message as sent much earlier. 0 or absent: not stamped (items queued before
   * the stamp existed).
   */
  receivedMs?: number;
}

/** How much of a device's queue an item may use. */
export interface QueueRoom {
  /** Envelopes per device. */
  maxDepth: number;
  /** Envelopes of one sender per device. */
  perSender: number;
  /** Extra room for control items (wipes, revocations, channel changes) beyond `maxDepth`. */
  controlReserve: number;
}

export interface QueuedItem extends QueueItem {
  seq: number;
}

export interface DeviceAddress {
  userId: string;
  deviceId: number;
}

export interface PrekeyUpload {
  signedPrekey?: Uint8Array;
  kyberLastResort?: Uint8Array;
  oneTime: { id: number; record: Uint8Array }[];
  oneTimeKyber: { id: number; record: Uint8Array }[];
}

export interface TakenBundle {
  signedPrekey: Uint8Array;
  oneTime?: { id: number; record: Uint8Array };
  kyber: { id: number; record: Uint8Array; lastResort: boolean };
}

export interface ChannelRecord {
  channelId: Uint8Array;
  /** Signed changes from the first state on, in order. */
  changes: Uint8Array[];
}

export interface AuditRecord {
  seq: number;
  atMs: number;
  event: string;
  actor: string;
  subject: string;
  detail: string;
}

export interface EnqueueResult {
  duplicate: boolean;
  /** Items newly placed (a duplicate id for the same device is not placed twice). */
  placed: { to: DeviceAddress; item: QueuedItem }[];
  /** Devices whose queue was full; nothing was placed for them. */
  full: DeviceAddress[];
  /**
   * Settles once the placement is on stable storage (absent: it already is). The relay pushes to
   * recipients as soon as `enqueue` resolves but answers the sender only after this: a placement
   * lost before its sync was never acknowledged, so its sender sends it again (and clients drop
   * an envelope id they already have).
   */
  durable?: Promise<void>;
}

export interface RelayStore {
  putMember(m: MemberRecord): MaybePromise<void>;
  getMember(userId: string): MaybePromise<MemberRecord | undefined>;
  listMembers(): MaybePromise<MemberRecord[]>;

  putDevice(d: DeviceRecord): MaybePromise<void>;
  getDevice(userId: string, deviceId: number): MaybePromise<DeviceRecord | undefined>;
  listDevices(userId?: string): MaybePromise<DeviceRecord[]>;

  putRevocation(r: RevocationRecord): MaybePromise<void>;
  listRevocations(): MaybePromise<RevocationRecord[]>;

  addEnrolment(e: EnrolmentRecord): MaybePromise<void>;
  getEnrolment(requestId: string): MaybePromise<EnrolmentRecord | undefined>;
  listPendingEnrolments(): MaybePromise<EnrolmentRecord[]>;
  /** Stores the nonce record unless the request has one already; false then. */
  setEnrolmentNonce(requestId: string, nonceRecord: Uint8Array): MaybePromise<boolean>;
  completeEnrolment(requestId: string, userId: string, deviceCertificate: Uint8Array): MaybePromise<void>;

  putPrekeys(device: DeviceAddress, upload: PrekeyUpload): MaybePromise<void>;
  /** Takes one bundle; a one-time prekey (and one-time Kyber prekey) is consumed atomically. */
  takeBundle(device: DeviceAddress): MaybePromise<TakenBundle | undefined>;
  countPrekeys(device: DeviceAddress): MaybePromise<{ oneTime: number; oneTimeKyber: number }>;

  /**
   * Places one item in each device's queue, in one transaction, honouring `room` (devices without
   * room are listed in `full`). With
   * `dedupeUntilMs`, the item id is also remembered relay-wide until then, and an id seen before
   * (a retried send, even after delivery and ack) places nothing and reports `duplicate`.
   */
  enqueue(to: DeviceAddress[], item: QueueItem, room: QueueRoom, dedupeUntilMs?: number): MaybePromise<EnqueueResult>;
  /** The device's queue after `afterSeq`, oldest first, unexpired only. */
  readQueue(device: DeviceAddress, afterSeq: number, limit: number, nowMs: number): MaybePromise<QueuedItem[]>;
  queueDepth(device: DeviceAddress): MaybePromise<number>;
  /** Deletes delivered items by their queue sequence numbers (only the device's own). */
  ack(device: DeviceAddress, seqs: number[]): MaybePromise<number>;
  /**
   * A wipe: drops the channel's queued envelopes and its state, keeping a tombstone so the channel
   * id can never be used again; returns how many envelopes were dropped.
   */
  wipeChannel(channelId: Uint8Array): MaybePromise<number>;
  listWipedChannelIds(): MaybePromise<Uint8Array[]>;
  expire(nowMs: number): MaybePromise<number>;

  getChannel(channelId: Uint8Array): MaybePromise<ChannelRecord | undefined>;
  appendChannelChange(channelId: Uint8Array, change: Uint8Array): MaybePromise<void>;
  listChannelIds(): MaybePromise<Uint8Array[]>;

  appendAudit(e: Omit<AuditRecord, 'seq'>): MaybePromise<void>;
  readAudit(afterSeq: number, limit: number): MaybePromise<AuditRecord[]>;

  /**
   * Resolves once every write made so far is on stable storage. Queue writes say so themselves
   * (`EnqueueResult.durable`; a lost ack only repeats a delivery); the relay calls this before
   * answering any other request that wrote something. A store whose writes are durable when they
   * return may omit it.
   */
  sync?(): Promise<void>;

  close(): MaybePromise<void>;
}
