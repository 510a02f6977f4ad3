/**
 * What a desktop notification may say. Above UNCLASSIFIED, and in off-the-record channels, it
 * says only that something arrived: no sender, no channel name, no text ever reaches the OS
 * notification centre (which logs and syncs them).
 */
import type { ChannelSummary, MessageView, Settings } from '../../shared/api/schemas.ts';

const TEXT = {
  en: { newMessage: 'New message', inChannel: (c: string) => `New message in ${c}`, from: (s: string, c: string) => `${s} in ${c}` },
  fr: { newMessage: 'Nouveau message', inChannel: (c: string) => `Nouveau message dans ${c}`, from: (s: string, c: string) => `${s} dans ${c}` },
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
