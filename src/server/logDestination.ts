/**
 * Where the relay's log lines go: JSON lines (for collectors) when stdout is not a terminal, and
 * one readable line per entry on a terminal: time, level, message, then the fields as key=value.
 */
import { Writable } from 'node:stream';
import pino from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'name']);

/** One pino JSON line as a person reads it. */
export function readableLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = LEVELS[entry.level as number] ?? String(entry.level ?? '');
  const fields = Object.entries(entry)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${level.padEnd(5)} ${String(entry.msg ?? '')}${fields ? `  ${fields}` : ''}`;
}

export function logDestination(tty = Boolean(process.stdout.isTTY)): pino.DestinationStream {
  if (!tty) return pino.destination(1);
  let rest = '';
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l) process.stdout.write(`${readableLine(l)}\n`);
      done();
    },
  });
}
