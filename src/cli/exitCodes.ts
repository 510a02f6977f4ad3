/**
 * The exit codes of `valise` and `valise-admin`, in one place. Scripts rely on them, so they are
 * part of the interface; docs/cli.md shows the same table (a unit test keeps the two in step).
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  locked: 3,
  offline: 4,
  refused: 5,
  notFound: 6,
  gone: 7,
  damaged: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means, for the usage texts and docs/cli.md. */
export const EXIT_MEANINGS: readonly { code: ExitCode; name: keyof typeof EXIT; meaning: string }[] = [
  { code: EXIT.ok, name: 'ok', meaning: 'done' },
  { code: EXIT.failure, name: 'failure', meaning: 'unexpected failure (the message says what happened)' },
  { code: EXIT.usage, name: 'usage', meaning: 'usage error: unknown command or option, missing argument, ambiguous name' },
  { code: EXIT.locked, name: 'locked', meaning: 'no profile, not enrolled, locked, or wrong passphrase / key file' },
  { code: EXIT.offline, name: 'offline', meaning: 'the relay is unreachable, or a wait timed out' },
  { code: EXIT.refused, name: 'refused', meaning: 'refused: policy, role, clearance, paused or wiped channel, wrong comparison code' },
  { code: EXIT.notFound, name: 'notFound', meaning: 'no such channel, person, device or request' },
  { code: EXIT.gone, name: 'gone', meaning: '`valise tail`: the channel was wiped or ended, or you were removed from it, while watching' },
  { code: EXIT.damaged, name: 'damaged', meaning: "the profile's database is damaged: restore it from a backup or re-enrol the device" },
];

/** One line for the end of a usage text. */
export function exitCodesLine(): string {
  return `Exit codes: ${EXIT_MEANINGS.map((e) => `${e.code} ${e.name}`).join(', ')} (docs/cli.md).`;
}
