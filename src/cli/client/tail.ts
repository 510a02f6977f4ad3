/**
 * `valise tail CHANNEL`: prints the channel's messages as they arrive. What arrived while tail
 * was catching up (the backlog that waited for this device) is printed too, in order, before the
 * live ones; `--history N` adds the N before that. A wipe (or end, or removal) of the channel
 * while watching is printed and ends tail with EXIT.gone.
 */
import type { ApiEvent } from '../../shared/api/events.ts';
import type { MessageView } from '../../shared/api/schemas.ts';
import { EXIT } from '../exitCodes.ts';
import type { Cli } from './Cli.ts';

export function messageLine(m: MessageView): string {
  return `${new Date(m.sentAt).toISOString()} ${m.senderName}: ${m.text}`;
}

/**
 * The messages stored since `since` and the `history` before them, oldest first: newest first a
 * page at a time, until both are collected, a page holds nothing new, or the channel's start.
 */
async function readBack(cli: Cli, channelId: string, since: number, history: number): Promise<{ recent: MessageView[]; older: MessageView[] }> {
  const recent: MessageView[] = [];
  const older: MessageView[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await cli.call('listMessages', { channelId, limit: 500, ...(before ? { before } : {}) });
    for (const m of page.messages) {
      if (m.receivedAt >= since) recent.push(m);
      else if (older.length < history) older.push(m);
    }
    // A page with nothing new ends the search (the engine's events name the rest, see below).
    if (!page.nextCursor || (older.length >= history && !page.messages.some((m) => m.receivedAt >= since))) break;
    before = page.nextCursor;
  }
  return { recent: recent.reverse(), older: older.reverse() };
}

export async function tail(cli: Cli, ref: string | undefined): Promise<number> {
  const o = cli.o;
  const startedAt = Date.now();
  // --timeout bounds the watching, not the catch-up before it.
  await cli.open(true, 30_000);
  const ch = await cli.channel(ref);
  const history = Number(o.history ?? 0);
  const printedIds = new Set<string>();
  const want = o.count ? Number(o.count) : Infinity;
  let printed = 0;
  let done: (code: number) => void = () => undefined;
  const finished = new Promise<number>((r) => (done = r));
  const print = (m: MessageView) => {
    if (printedIds.has(m.id) || printed >= want) return;
    printedIds.add(m.id);
    cli.out(messageLine(m), m);
    if (++printed >= want) done(EXIT.ok);
  };
  // What is stored now: the history asked for, then whatever arrived since this command started.
  const { recent, older } = await readBack(cli, ch.id, startedAt, history);
  for (const m of older) {
    printedIds.add(m.id);
    cli.out(messageLine(m), m);
  }
  for (const m of recent) print(m);
  if (printed >= want) return EXIT.ok;
  const onEvent = (e: ApiEvent) => {
    if (e.type === 'messageReceived' && e.message.channelId === ch.id) print(e.message);
    if (e.type === 'channelRemoved' && e.channelId === ch.id) {
      const what = e.reason === 'removed' ? 'left: you were removed from it' : e.reason;
      cli.out(`The channel "${ch.name}" was ${what} on this device; tail ends.`, { event: 'channelRemoved', channelId: ch.id, reason: e.reason });
      done(EXIT.gone);
    }
  };
  const off = cli.engine.onEvent(onEvent);
  // Events of the moments since the read above (the listener sees only later ones).
  for (const e of cli.seen()) onEvent(e);
  const stop = () => done(printed >= want || want === Infinity ? EXIT.ok : EXIT.offline);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = o.timeout ? setTimeout(stop, Number(o.timeout) * 1000) : null;
  const code = await finished;
  if (timer) clearTimeout(timer);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  off();
  // The wipe's signed receipt goes out after the channel is gone here: let it leave before exiting.
  if (code === EXIT.gone) await Promise.race([cli.engine.current?.settled(), new Promise((r) => setTimeout(r, 10_000).unref())]);
  return code;
}
