/**
 * A channel's export file (where the policy allows export): plain text framed by the
 * classification label at the top and bottom, as printed documents are, or JSON.
 */
import type { StoredMessage } from '../../storage/index.ts';

export interface ExportFile {
  fileName: string;
  mime: string;
  content: string;
}

/** The user id of a stored sender (`userId.deviceId`; user ids may contain dots). */
export function senderUserId(sender: string): string {
  const dot = sender.lastIndexOf('.');
  return dot > 0 ? sender.slice(0, dot) : sender;
}

export function formatExport(o: {
  channelName: string;
  classificationLabel: string;
  /** Oldest first. */
  messages: readonly StoredMessage[];
  nameOf: (userId: string) => string;
  format: 'text' | 'json';
}): ExportFile {
  const safeName = o.channelName.replace(/[^\p{L}\p{N}_-]+/gu, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'channel';
  const label = o.classificationLabel;
  if (o.format === 'json') {
    const messages = o.messages.map((m) => ({ id: m.id, sender: o.nameOf(senderUserId(m.sender)), sentAt: m.sentAt, text: m.text }));
    return { fileName: `${safeName}.json`, mime: 'application/json', content: JSON.stringify({ channel: o.channelName, classification: label, messages }, null, 2) };
  }
  const lines = o.messages.map((m) => `[${new Date(m.sentAt).toISOString()}] ${o.nameOf(senderUserId(m.sender))}: ${m.text}`);
  return { fileName: `${safeName}.txt`, mime: 'text/plain', content: [label, `Channel: ${o.channelName}`, '', ...lines, '', label].join('\n') };
}
