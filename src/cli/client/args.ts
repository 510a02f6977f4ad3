/**
 * Command-line parsing of `valise` and how engine error codes map to exit codes. Scripts rely
 * on the codes, so they are part of the interface; they are defined once in ../exitCodes.ts and
 * tabled in docs/cli.md.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../CliError.ts';
import { EXIT, exitCodesLine } from '../exitCodes.ts';

export { EXIT } from '../exitCodes.ts';
export { UsageError } from '../CliError.ts';

const BY_CODE: Record<string, number> = {
  BAD_REQUEST: EXIT.usage,
  UNKNOWN_METHOD: EXIT.usage,
  LOCKED: EXIT.locked,
  UNLOCK_FAILED: EXIT.locked,
  NOT_ENROLLED: EXIT.locked,
  ALREADY_ENROLLED: EXIT.usage,
  ENROLMENT_PENDING: EXIT.offline,
  ENROLMENT_REJECTED: EXIT.refused,
  ENROLMENT_CODE_MISMATCH: EXIT.refused,
  BAD_ORG_CONFIG: EXIT.usage,
  DEVICE_REVOKED: EXIT.refused,
  OFFLINE: EXIT.offline,
  RELAY_CERTIFICATE_MISMATCH: EXIT.refused,
  REVOCATION_UNPROVEN: EXIT.refused,
  NOT_FOUND: EXIT.notFound,
  FORBIDDEN: EXIT.refused,
  NOT_CLEARED: EXIT.refused,
  CHANNEL_PAUSED: EXIT.refused,
  CHANNEL_WIPED: EXIT.refused,
  POLICY_REFUSED: EXIT.refused,
  IDENTITY_CHANGED: EXIT.refused,
  SAFETY_NUMBER_MISMATCH: EXIT.refused,
  CONFLICT: EXIT.refused,
  TOO_LARGE: EXIT.usage,
  INVALID_TEXT: EXIT.usage,
  EMPTY_TEXT: EXIT.usage,
  PASSPHRASE_REQUIRED: EXIT.locked,
  PASSPHRASE_TOO_SHORT: EXIT.usage,
  PROFILE_DAMAGED: EXIT.damaged,
  UNREACHABLE: EXIT.refused,
};

export function exitCodeOf(code: string | undefined): number {
  return (code && BY_CODE[code]) || EXIT.failure;
}

export const USAGE = `Usage: valise [--profile DIR] [--json] COMMAND ...

  enroll --org org.json --name NAME --token TOKEN [--relay URL] [--key-provider passphrase|tpm|pkcs11|os-keystore]
                        join the organisation; shows the comparison code and waits for approval
  start-local --org-name NAME --name NAME     start a local organisation on this machine
  status                where this profile stands
  channels [--all]      the channels of this device; --all: every channel of the organisation
                        (security officers), with members count and status
  members CHANNEL       members, devices and safety numbers
  send CHANNEL TEXT | send CHANNEL --stdin | send CHANNEL --text-file PATH
                        send a message (waits until the relay has it); --stdin and --text-file
                        take texts too long for the command line (UTF-8, one final newline dropped)
  search QUERY [--channel CHANNEL]
                        find messages: time, channel, sender and a snippet of each
  tail CHANNEL [--history N] [--count N] [--timeout S]
                        print messages as they arrive
  create-channel NAME --classification C --members Bob,Carol [--recording off-the-record|devices|archived]
                      [--lifetime 24h] [--burn] [--ends-at ISO-TIME] [--allow-export] [--allow-copy]
                      [--allow-attachments] [--allow-screen-capture] [--no-read-receipts]
  pause CHANNEL --reason TEXT | resume CHANNEL
  wipe CHANNEL [--wait S]   wipe on every device (prints receipts)
                        a security officer may name any channel of the organisation
  wipe-status CHANNEL
  verify USER [--device N] [--safety-number DIGITS]

  completion bash|zsh   print the shell completion script

  --profile DIR   the profile directory (default: $VALISE_PROFILE or ~/.config/valise/default)
  --json          machine-readable output, one JSON document per line
  --timeout S     how long to wait for the relay (default 10 s), or how long tail watches
  The passphrase comes from $VALISE_PASSPHRASE or --passphrase-file FILE, else a prompt on a terminal.
  CHANNEL is a channel id or its name; USER and --members entries a user id or a person's name.

${exitCodesLine()}
tail ends with 0 after --count messages or --timeout, 7 when the channel is wiped while it watches.`;

export function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
      'passphrase-file': { type: 'string' },
      org: { type: 'string' },
      'org-name': { type: 'string' },
      name: { type: 'string' },
      relay: { type: 'string' },
      token: { type: 'string' },
      'key-provider': { type: 'string', default: 'passphrase' },
      history: { type: 'string' },
      count: { type: 'string' },
      timeout: { type: 'string' },
      classification: { type: 'string' },
      members: { type: 'string', default: '' },
      recording: { type: 'string', default: 'devices' },
      lifetime: { type: 'string' },
      burn: { type: 'boolean', default: false },
      'ends-at': { type: 'string' },
      'allow-export': { type: 'boolean', default: false },
      'allow-copy': { type: 'boolean', default: false },
      'allow-attachments': { type: 'boolean', default: false },
      'allow-screen-capture': { type: 'boolean', default: false },
      'no-read-receipts': { type: 'boolean', default: false },
      reason: { type: 'string' },
      wait: { type: 'string' },
      device: { type: 'string' },
      'safety-number': { type: 'string' },
      all: { type: 'boolean', default: false },
      stdin: { type: 'boolean', default: false },
      'text-file': { type: 'string' },
      channel: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** For `valise completion`: commands and options (`=`: takes a value). */
export const CLIENT_COMPLETION = {
  program: 'valise',
  globalOptions: ['--profile=', '--json', '--passphrase-file=', '--timeout=', '--help'],
  commands: {
    enroll: ['--org=', '--name=', '--token=', '--relay=', '--key-provider='],
    'start-local': ['--org-name=', '--name=', '--key-provider='],
    status: [],
    channels: ['--all'],
    members: [],
    send: ['--stdin', '--text-file='],
    search: ['--channel='],
    tail: ['--history=', '--count='],
    'create-channel': ['--classification=', '--members=', '--recording=', '--lifetime=', '--burn', '--ends-at=', '--allow-export', '--allow-copy', '--allow-attachments', '--allow-screen-capture', '--no-read-receipts'],
    pause: ['--reason='],
    resume: [],
    wipe: ['--wait='],
    'wipe-status': [],
    verify: ['--device=', '--safety-number='],
    completion: [],
  },
};

/** "24h", "90m", "30s", "7d", or milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new UsageError(`Not a duration: ${s} (use e.g. 30s, 90m, 24h, 7d)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return n * unit;
}

