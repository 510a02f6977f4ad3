/**
 * People and channels are named on the command line by id or by name. An id wins; then the exact
 * name; then the name ignoring case. More than one match is an error that lists the candidates,
 * so that the user can pick by id; none is an error that says where to look.
 */
import { CliError } from './CliError.ts';
import { EXIT } from './exitCodes.ts';

export interface RefKind<T> {
  /** "channel", "person", "request"... */
  noun: string;
  id: (t: T) => string;
  name: (t: T) => string;
  /** The command that lists them, for the not-found message. */
  listCommand: string;
}

export function resolveRef<T>(ref: string, items: readonly T[], kind: RefKind<T>): T {
  const r = ref.trim();
  const byId = items.filter((t) => kind.id(t) === r);
  if (byId.length === 1) return byId[0]!;
  let found = items.filter((t) => kind.name(t) === r);
  if (found.length === 0) found = items.filter((t) => kind.name(t).toLowerCase() === r.toLowerCase());
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    const list = found.map((t) => `  ${kind.id(t)}  ${kind.name(t)}`).join('\n');
    throw new CliError('AMBIGUOUS', EXIT.usage, `Several ${kind.noun}s are named "${r}"; name one by its id:\n${list}`);
  }
  throw new CliError('NOT_FOUND', EXIT.notFound, `No ${kind.noun} has the id or name "${r}". "${kind.listCommand}" lists them.`);
}

/** Resolves a comma-separated list (e.g. `--members Bob,carol-1a2b3c`), each entry by id or name. */
export function resolveRefs<T>(list: string, items: readonly T[], kind: RefKind<T>): T[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => resolveRef(s, items, kind));
}
