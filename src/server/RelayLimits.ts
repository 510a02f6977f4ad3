/** The relay's limits (README "Limits"); `limits` in the config overrides any of them. */
export interface RelayLimits {
  maxFrameBytes: number;
  requestsPerSecond: number;
  requestBurst: number;
  connectionsPerDevice: number;
  maxQueueDepth: number;
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
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameBytes: 256 * 1024,
  requestsPerSecond: 200,
  requestBurst: 1000,
  connectionsPerDevice: 4,
  maxQueueDepth: 10_000,
  maxQueueAgeMs: 30 * 24 * 3600 * 1000,
  deliveryWindow: 1024,
  prekeysLowThreshold: 10,
  handshakeTimeoutMs: 10_000,
};
