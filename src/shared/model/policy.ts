/**
 * The recording and retention policy of a channel (DESIGN.md §5). It lives inside the signed
 * channel state, so every member device enforces the same rules.
 */
export const RECORDING_MODES = ['off-the-record', 'devices', 'archived'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

export interface ChannelPolicy {
  recording: RecordingMode;
  /** Message lifetime after sending, in milliseconds; 0 means kept until the channel ends. */
  messageLifetimeMs: number;
  /** Delete a message once every recipient device has read it. */
  burnAfterReading: boolean;
  /** Unix time (ms) at which every device wipes the channel by itself; 0 means none. */
  endsAtMs: number;
  allowCopy: boolean;
  allowExport: boolean;
  allowAttachments: boolean;
  screenCapture: 'allow' | 'block';
  readReceipts: boolean;
}

/** Strict defaults: recorded on devices only, no copy, no export, screen capture blocked. */
export const DEFAULT_POLICY: ChannelPolicy = {
  recording: 'devices',
  messageLifetimeMs: 0,
  burnAfterReading: false,
  endsAtMs: 0,
  allowCopy: false,
  allowExport: false,
  allowAttachments: false,
  screenCapture: 'block',
  readReceipts: true,
};

/** Off the record implies no copy, no export and blocked capture, whatever else was asked. */
export function normalisePolicy(p: ChannelPolicy): ChannelPolicy {
  if (p.recording !== 'off-the-record') return p;
  return { ...p, allowCopy: false, allowExport: false, screenCapture: 'block' };
}

/** Whether what a channel shows must be kept out of screen captures (its own view, and its search snippets). */
export function blocksScreenCapture(p: Pick<ChannelPolicy, 'recording' | 'screenCapture'>): boolean {
  return p.screenCapture === 'block' || p.recording === 'off-the-record';
}
