import { describe, expect, it } from 'vitest';
import { escapeField, formatExport } from './formatExport.ts';

const messages = [
  { id: 'a', channelId: 'c', sender: 'j.doe.2', sentAt: Date.UTC(2026, 0, 2, 3, 4, 5), receivedAt: 0, expiresAt: null, text: 'bonjour' },
  { id: 'b', channelId: 'c', sender: 'bob.1', sentAt: Date.UTC(2026, 0, 2, 3, 5, 0), receivedAt: 0, expiresAt: null, text: 'hi' },
];
const names: Record<string, string> = { 'j.doe': 'Jane Doe', bob: 'Bob' };

describe('formatExport', () => {
  it('frames the text export with the classification label and names senders with dotted ids', () => {
    const f = formatExport({ channelName: 'Talks / Round 2', classificationLabel: 'SECRET', messages, nameOf: (u) => names[u] ?? u, format: 'text' });
    expect(f.fileName).toBe('Talks_Round_2.txt');
    expect(f.content.split('\n')).toEqual(['SECRET', 'Channel: Talks / Round 2', '', '[2026-01-02T03:04:05.000Z] Jane Doe: bonjour', '[2026-01-02T03:05:00.000Z] Bob: hi', '', 'SECRET']);
  });

  it('gives JSON with the label and every message', () => {
    const f = formatExport({ channelName: '###', classificationLabel: 'RESTRICTED', messages, nameOf: (u) => names[u] ?? u, format: 'json' });
    expect(f.fileName).toBe('channel.json');
    expect(JSON.parse(f.content)).toEqual({ channel: '###', classification: 'RESTRICTED', messages: [
      { id: 'a', sender: 'Jane Doe', sentAt: messages[0]!.sentAt, text: 'bonjour' },
      { id: 'b', sender: 'Bob', sentAt: messages[1]!.sentAt, text: 'hi' },
    ] });
  });

  it('keeps one line per message: breaks, separators and backslashes inside a text are escaped', () => {
    const forged = { ...messages[1]!, text: 'ok\n[2026-01-02T03:06:00.000Z] Jane Doe: I concede\r\u2028\u0085 \\n' };
    const f = formatExport({ channelName: 'T', classificationLabel: 'SECRET', messages: [messages[0]!, forged], nameOf: (u) => names[u] ?? u, format: 'text' });
    const lines = f.content.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/);
    expect(lines).toHaveLength(7);
    expect(lines[4]).toBe('[2026-01-02T03:05:00.000Z] Bob: ok\\n[2026-01-02T03:06:00.000Z] Jane Doe: I concede\\r\\u2028\\u0085 \\\\n');
    expect(lines.filter((l) => /^\[[^\]]*\] Jane Doe: /.test(l))).toHaveLength(1);
  });

  it('escapes so that the original can be read back unambiguously', () => {
    expect(escapeField('a\\nb')).toBe('a\\\\nb');
    expect(escapeField('a\nb')).toBe('a\\nb');
    expect(escapeField('tab\there')).toBe('tab\\there');
  });
});
