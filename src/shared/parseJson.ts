/**
 * JSON text checked against a zod schema in one step. Callers turn a failure into their own typed
 * error: `unreadable` says the text is not JSON at all, otherwise `detail` lists what the schema
 * refused, as `path: message; ...` (no values, so nothing secret is echoed).
 */
import type { z } from 'zod';

export type JsonParsed<T> = { ok: true; data: T } | { ok: false; unreadable: boolean; detail: string; cause: unknown };

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

export function parseJson<S extends z.ZodType>(text: string, schema: S): JsonParsed<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, unreadable: true, detail: e instanceof Error ? e.message : String(e), cause: e };
  }
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, data: r.data } : { ok: false, unreadable: false, detail: describeIssues(r.error), cause: r.error };
}
