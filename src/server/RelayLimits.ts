/** The relay's limits (README "Limits"); `limits` in the config overrides any of them. */
export interface RelayLimits {
  maxFrameBytes: number;
  requestsPerSecond: number;
  requestBurst: number;
  connectionsPerDevice: number;
  /** Envelopes queued per device. */
  maxQueueDepth: number;
  /** Envelopes one sending device may have queued for one recipient device (a share of the depth). */
  maxQueuePerSender: number;
  /**
   * Room kept for control items (wipes, revocations, channel changes) beyond `maxQueueDepth`:
   * a queue full of envelopes still takes them.
   */
  queueControlReserve: number;
  /** Upper bound on how long an undelivered item waits, whatever the envelope asks. */
  maxQueueAgeMs: number;
  /**
   * Pushed but unacknowledged items per connection. A device acknowledges a batch only once it is
   * committed and on its disk, so the window must cover that round trip at a full catch-up's pace
   * (a few thousand messages a second × tens of milliseconds), or the catch-up waits on it.
   */
  deliveryWindow: number;
  prekeysLowThreshold: number;
  handshakeTimeoutMs: number;
  /** Anonymous enrolment requests one connection may submit. */
  enrolmentsPerConnection: number;
  /** Anonymous enrolment requests from one network address per `enrolmentWindowMs`. */
  enrolmentsPerAddress: number;
  /** Unapproved enrolment requests younger than `enrolmentWindowMs` the relay holds at most. */
  enrolmentsPending: number;
  enrolmentWindowMs: number;
  /** How long a connection may wait for its enrolment, from its first request (not re-armed). */
  enrolmentWaitMs: number;
  /** The largest attachment the organisation allows, in file bytes (its padded blob may be up to 5 % larger). */
  maxAttachmentBytes: number;
  /** Blob bytes one device may hold on the relay at once, uploads in progress included. */
  blobQuotaBytes: number;
  /** Upper bound on how long a finished blob is kept, whatever the channel's policy says. */
  maxBlobAgeMs: number;
  /** How long an unfinished upload may wait to be resumed before it is swept. */
  blobUploadWindowMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameBytes: 256 * 1024,
  requestsPerSecond: 200,
  requestBurst: 1000,
  connectionsPerDevice: 4,
  maxQueueDepth: 10_000,
  maxQueuePerSender: 5_000,
  queueControlReserve: 1_000,
  maxQueueAgeMs: 30 * 24 * 3600 * 1000,
  deliveryWindow: 1024,
  prekeysLowThreshold: 10,
  handshakeTimeoutMs: 10_000,
  enrolmentsPerConnection: 3,
  enrolmentsPerAddress: 30,
  enrolmentsPending: 300,
  enrolmentWindowMs: 3600 * 1000,
  enrolmentWaitMs: 30 * 60 * 1000,
  maxAttachmentBytes: 100 * 1024 * 1024,
  blobQuotaBytes: 1024 * 1024 * 1024,
  maxBlobAgeMs: 30 * 24 * 3600 * 1000,
  blobUploadWindowMs: 24 * 3600 * 1000,
};
