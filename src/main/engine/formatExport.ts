/**
 * A channel's export file (where the policy allows export): plain text framed by the
 * classification label at the top and bottom, as printed documents are, or JSON. The text form
 * has exactly one line per message: line breaks and other control characters inside a name or a
 * message are escaped (`\n`, `\u2028`, a backslash as `\\`), so no text can start a line that
 * reads as another person's message.
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
  const lines = o.messages.map((m) => `[${new Date(m.sentAt).toISOString()}] ${escapeField(o.nameOf(senderUserId(m.sender)))}: ${escapeField(m.text)}`);
  return { fileName: `${safeName}.txt`, mime: 'text/plain', content: [escapeField(label), `Channel: ${escapeField(o.channelName)}`, '', ...lines, '', escapeField(label)].join('\n') };
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One field on one line: a backslash, C0/C1 control characters (line feeds, carriage returns, NEL)
 * and the Unicode line and paragraph separators are written as escapes.
 */
export function escapeField(s: string): string {
  return s.replace(/[\\\p{Cc}\u2028\u2029]/gu, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
