/**
 * Screen-capture protection follows the channel on screen: on while a channel whose policy blocks
 * capture is visible (off-the-record implies it). Unknown channels count as blocking, so a lookup
 * failure never leaves protected content capturable.
 */
import type { ChannelSummary } from '../../shared/api/schemas.ts';
import { blocksScreenCapture } from '../../shared/model/policy.ts';

export function captureBlocked(visibleChannelId: string | null, channels: readonly ChannelSummary[] | null): boolean {
  if (visibleChannelId === null) return false;
  const c = channels?.find((x) => x.id === visibleChannelId);
  if (!c) return true;
  return blocksScreenCapture(c.policy);
}

/** Whether the window's content protection actually keeps captures out on this platform. */
export function captureProtectionEffective(platform: NodeJS.Platform): boolean {
  // Electron's setContentProtection works on Windows and macOS; on Linux it does nothing.
  return platform === 'win32' || platform === 'darwin';
}

export interface ProtectableWindow {
  isDestroyed(): boolean;
  setContentProtection(on: boolean): void;
}

/**
 * The protection decision for one window. A policy lookup takes a turn of the event loop; by the
 * time it answers, another channel may be on screen. Each decision is numbered and only the
 * latest may switch protection (a stale answer for a channel that allowed capture never turns it
 * off for a protected one shown since), and it is made for the channel visible when it lands.
 */
export class CaptureProtection {
  private visible: string | null = null;
  private decision = 0;

  constructor(
    private readonly win: ProtectableWindow,
    private readonly channels: () => Promise<readonly ChannelSummary[] | null>,
  ) {}

  get visibleChannel(): string | null {
    return this.visible;
  }

  /** The renderer shows this channel (or none): protect at once, relax only after the lookup says so. */
  show(channelId: string | null): Promise<void> {
    this.visible = channelId;
    if (channelId !== null && !this.win.isDestroyed()) this.win.setContentProtection(true);
    return this.refresh();
  }

  /** Policy, lock state or channel list changed: decide again. */
  async refresh(): Promise<void> {
    const mine = ++this.decision;
    const list = this.visible === null ? [] : await this.channels();
    if (mine !== this.decision || this.win.isDestroyed()) return;
    this.win.setContentProtection(captureBlocked(this.visible, list));
  }
}
