import { describe, expect, it } from 'vitest';
import { readableLine } from './logDestination.ts';

describe('readable relay log lines', () => {
  it('shows time, level, message and fields, not raw JSON', () => {
    const line = readableLine(JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), pid: 1, hostname: 'h', service: 'valise-relay', msg: 'relay ready', url: 'ws://127.0.0.1:8443', note: 'two words' }));
    expect(line).toBe('03:04:05.006 INFO  relay ready  url=ws://127.0.0.1:8443 note="two words"');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(readableLine('plain text')).toBe('plain text');
  });
});
