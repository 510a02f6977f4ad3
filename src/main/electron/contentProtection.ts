/**
 * Screen-capture protection follows the channel on screen: on while a channel whose policy blocks
 * capture is visible (off-the-record implies it). Unknown channels count as blocking, so a lookup
 * failure never leaves protected content capturable.
 */
import type { ChannelSummary } from '../../shared/api/schemas.ts';

export function captureBlocked(visibleChannelId: string | null, channels: readonly ChannelSummary[] | null): boolean {
  if (visibleChannelId === null) return false;
  const c = channels?.find((x) => x.id === visibleChannelId);
  if (!c) return true;
  return c.policy.screenCapture === 'block' || c.policy.recording === 'off-the-record';
}
