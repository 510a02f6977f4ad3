/**
 * What a desktop notification may say. Above UNCLASSIFIED, and in off-the-record channels, it
 * says only that something arrived: no sender, no channel name, no text ever reaches the OS
 * notification centre (which logs and syncs them).
 */
import type { ChannelSummary, MessageView, Settings } from '../../shared/api/schemas.ts';

const TEXT = {
  en: { newMessage: 'New message', newMessages: (n: number) => `${n.toLocaleString('en')} new messages`, inChannel: (c: string) => `New message in ${c}`, from: (s: string, c: string) => `${s} in ${c}` },
  fr: { newMessage: 'Nouveau message', newMessages: (n: number) => `${n.toLocaleString('fr')} nouveaux messages`, inChannel: (c: string) => `Nouveau message dans ${c}`, from: (s: string, c: string) => `${s} dans ${c}` },
} as const;

export type NotificationLanguage = keyof typeof TEXT;

export interface NotificationContent {
  title: string;
  body: string;
}

export function notificationFor(
  message: MessageView,
  channel: ChannelSummary | undefined,
  settings: Pick<Settings, 'notifications'>,
  lang: NotificationLanguage = 'en',
): NotificationContent | null {
  if (message.mine || settings.notifications === 'none') return null;
  const t = TEXT[lang];
  const contentFree = !channel || channel.classification > 0 || channel.policy.recording === 'off-the-record';
  if (contentFree) return { title: 'Valise', body: t.newMessage };
  if (settings.notifications === 'sender') return { title: 'Valise', body: t.from(message.senderName, channel.name) };
  return { title: t.from(message.senderName, channel.name), body: message.text.slice(0, 200) };
}

/**
 * What arrived since the last notification, shown as one: a single message as `notificationFor`
 * says, several as a count only (no sender, channel or text, whatever the channels allow).
 */
export function notificationForMany(
  count: number,
  sample: MessageView,
  channel: ChannelSummary | undefined,
  settings: Pick<Settings, 'notifications'>,
  lang: NotificationLanguage = 'en',
): NotificationContent | null {
  if (count <= 1) return notificationFor(sample, channel, settings, lang);
  if (settings.notifications === 'none') return null;
  return { title: 'Valise', body: TEXT[lang].newMessages(count) };
}

/**
 * At most one notification per `quietMs`: the first message after a quiet spell is shown at
 * once; what arrives within the spell that follows (a catch-up of thousands) is held and shown as
 * one, when the spell ends.
 */
export class NotificationGate {
  private count = 0;
  private sample: MessageView | null = null;
  private lastShownAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly show: (count: number, sample: MessageView) => void,
    private readonly quietMs = 3000,
    private readonly now: () => number = Date.now,
  ) {}

  arrived(message: MessageView): void {
    if (message.mine) return;
    this.count++;
    this.sample ??= message;
    if (this.timer) return;
    const wait = this.lastShownAt + this.quietMs - this.now();
    if (wait <= 0) this.release();
    else this.timer = setTimeout(() => this.release(), wait);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private release(): void {
    this.timer = null;
    const { count, sample } = this;
    this.count = 0;
    this.sample = null;
    if (!sample) return;
    this.lastShownAt = this.now();
    this.show(count, sample);
  }
}
