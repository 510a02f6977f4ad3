/**
 * The transport-neutral frame format: the same JSON objects travel over Electron IPC (preload) and
 * over the browser-mode WebSocket. A request has an id chosen by the caller; the answer carries
 * the same id with either a result or an error; events have no id.
 */
import { z } from 'zod';
import { ApiEventSchema, type ApiEvent } from './events.ts';
import type { ApiErrorCode } from './errors.ts';

/** Caps a frame so a misbehaving peer cannot make the other side parse megabytes of JSON. */
export const MAX_FRAME_CHARS = 32 * 1024 * 1024;

export const RequestFrameSchema = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(64),
  params: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrameSchema>;

export const ErrorBodySchema = z.object({ code: z.string(), message: z.string() });

export const ResponseFrameSchema = z.union([
  z.object({ id: z.number().int().nonnegative(), result: z.unknown() }),
  z.object({ id: z.number().int().nonnegative(), error: ErrorBodySchema }),
]);
export type ResponseFrame = { id: number; result: unknown } | { id: number; error: { code: ApiErrorCode | string; message: string } };

/**
 * Events travel in batches: everything the engine emitted in one turn of its event loop (a
 * catch-up stores messages by the hundred) is one frame, parsed and rendered once.
 */
export const MAX_EVENTS_PER_FRAME = 4096;
export const EventFrameSchema = z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_FRAME) });
export type EventFrame = { events: ApiEvent[] };

export type ServerFrame = ResponseFrame | EventFrame;

export function isEventFrame(f: ServerFrame): f is EventFrame {
  return 'events' in f;
}

/** Parses a frame that a client (UI, CLI) receives; undefined when it is not one of ours. */
export function parseServerFrame(raw: unknown): ServerFrame | undefined {
  const ev = EventFrameSchema.safeParse(raw);
  if (ev.success) {
    // One event that breaks the contract is dropped, not the batch it came with.
    const events = ev.data.events.flatMap((e) => {
      const r = ApiEventSchema.safeParse(e);
      return r.success ? [r.data] : [];
    });
    return events.length > 0 ? { events } : undefined;
  }
  const res = ResponseFrameSchema.safeParse(raw);
  if (!res.success) return undefined;
  const d = res.data;
  return 'error' in d ? { id: d.id, error: d.error } : { id: d.id, result: d.result };
}
