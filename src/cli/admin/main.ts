/**
 * Entry of the `valise-admin` command: organisation, enrolment, clearances, revocation, audit.
 * Every command but init-org talks to the relay on an admin connection signed by the root key
 * (see AdminTool.ts for why). People and requests are named by id or by name (resolveRef.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AdminError, AdminTool, initOrg } from './AdminTool.ts';
import { getPassphrase, MIN_ADMIN_PASSPHRASE } from './passphrase.ts';
import { RootKeyFileError } from './RootKeyFile.ts';
import { RelayRefused, RelayUnavailable } from '../../relay/errors.ts';
import { OrgConfigError } from '../../relay/readOrgConfig.ts';
import { CliError, UsageError } from '../CliError.ts';
import { completionScript } from '../completion.ts';
import { EXIT, exitCodesLine } from '../exitCodes.ts';
import { canPrompt, promptHidden } from '../promptHidden.ts';
import { resolveRef } from '../resolveRef.ts';

const USAGE = `Usage: valise-admin COMMAND [options]     (run from the folder that holds org.json, or give --dir)

  init-org --relay-url URL [--org-id ID] [--name NAME] [--local]
                                  create the organisation root key and org.json; the root key's
                                  passphrase needs at least ${MIN_ADMIN_PASSPHRASE} characters
  add-user --name NAME --clearance LEVEL --roles ROLE[,ROLE]   issue a member certificate
  users                           list users, their clearance and devices
  pending                         open the waiting enrolment requests (each gets the officer's nonce)
                                  and list them with their comparison codes
  approve REQUEST [--code NNNNNN] [--user USER] [--device-id N]
                                  issue the device certificate (the code must match the device's;
                                  without --code it is asked for on the terminal, or read from stdin)
  revoke-device USER DEVICE_ID [--reason TEXT]
  revoke-user USER [--reason TEXT]
  set-clearance USER --clearance LEVEL
  audit [--after SEQ]             the audit log (administrative events, never content)
  completion bash|zsh             print the shell completion script

  USER is a user id or a name; REQUEST a request id or the name it was made for.

Options for every command:
  --dir DIR               where org.json and org-root.key live (default: $VALISE_ADMIN_DIR or .)
  --relay URL             relay address (default: relayUrl from org.json)
  --passphrase-file FILE  root key passphrase (else $VALISE_ADMIN_PASSPHRASE, else a prompt)
  --json                  machine-readable output

Roles: delegate, lead, security-officer, records. Levels: a label from org.json (UNCLASSIFIED,
RESTRICTED, CONFIDENTIAL, SECRET by default) or its number.

${exitCodesLine()}`;

const OPTIONS = {
  dir: { type: 'string' },
  relay: { type: 'string' },
  'passphrase-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'relay-url': { type: 'string' },
  'org-id': { type: 'string' },
  name: { type: 'string' },
  local: { type: 'boolean' },
  clearance: { type: 'string' },
  roles: { type: 'string' },
  code: { type: 'string' },
  user: { type: 'string' },
  'device-id': { type: 'string' },
  reason: { type: 'string' },
  after: { type: 'string' },
} as const;

export const ADMIN_COMPLETION = {
  program: 'valise-admin',
  globalOptions: ['--dir=', '--relay=', '--passphrase-file=', '--json', '--help'],
  commands: {
    'init-org': ['--relay-url=', '--org-id=', '--name=', '--local'],
    'add-user': ['--name=', '--clearance=', '--roles=', '--user='],
    users: [],
    pending: [],
    approve: ['--code=', '--user=', '--device-id='],
    'revoke-device': ['--reason='],
    'revoke-user': ['--reason='],
    'set-clearance': ['--clearance='],
    audit: ['--after='],
    completion: [],
  },
};

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === '') throw new UsageError(`Missing ${what}. "valise-admin --help" shows every command.`);
  return v;
}

function print(values: Values, rows: Record<string, unknown>[], columns: string[]): void {
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  console.log(columns.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const r of rows) console.log(columns.map((c, i) => String(r[c] ?? '').padEnd(widths[i]!)).join('  ').trimEnd());
}

const userKind = { noun: 'user', id: (u: { userId: string }) => u.userId, name: (u: { name: string }) => u.name, listCommand: 'valise-admin users' };

async function run(values: Values, command: string | undefined, args: string[]): Promise<void> {
  if (!command || values.help) {
    console.log(USAGE);
    if (!command && !values.help) throw new UsageError('Name a command.');
    return;
  }
  if (command === 'completion') {
    process.stdout.write(completionScript(args[0], ADMIN_COMPLETION));
    return;
  }
  const dir = path.resolve(values.dir ?? process.env.VALISE_ADMIN_DIR ?? '.');
  if (command === 'init-org') {
    const relayUrl = need(values['relay-url'], '--relay-url');
    const passphrase = await getPassphrase({ passphraseFile: values['passphrase-file'], confirm: true });
    const org = await initOrg({
      dir, relayUrl, passphrase,
      ...(values['org-id'] ? { orgId: values['org-id'] } : {}), ...(values.name ? { name: values.name } : {}), local: values.local ?? false,
    });
    console.log(values.json ? JSON.stringify(org) : `Organisation ${org.orgId} created in ${dir}: org.json (give it to clients and the relay) and org-root.key (keep it offline).`);
    return;
  }
  if (!(command in ADMIN_COMPLETION.commands)) throw new UsageError(`Unknown command "${command}". "valise-admin --help" shows every command.`);
  const passphrase = await getPassphrase({ passphraseFile: values['passphrase-file'] });
  const tool = await AdminTool.open(dir, passphrase, values.relay);
  const label = (level: number) => tool.org.classifications.find((c) => c.level === level)?.label ?? String(level);
  const user = async (ref: string | undefined, what: string) => resolveRef(need(ref, what), await tool.users(), userKind).userId;
  try {
    switch (command) {
      case 'add-user': {
        const userId = await tool.addUser({
          name: need(values.name, '--name'), clearance: need(values.clearance, '--clearance'),
          roles: need(values.roles, '--roles').split(',').map((r) => r.trim()).filter(Boolean), ...(values.user ? { userId: values.user } : {}),
        });
        console.log(values.json ? JSON.stringify({ userId }) : `User ${userId} added.`);
        break;
      }
      case 'users':
        print(values, (await tool.users()).map((u) => ({ ...u, clearance: label(u.clearance), level: u.clearance, roles: u.roles.join(','), devices: u.devices.join(',') })), ['userId', 'name', 'clearance', 'roles', 'devices']);
        break;
      case 'pending':
        print(values, (await tool.pending()).map((p) => ({ ...p, submitted: new Date(p.submittedMs).toISOString() })), ['requestId', 'code', 'userName', 'deviceName', 'matchedUserId', 'submitted', 'warning']);
        break;
      case 'approve': {
        const deviceId = values['device-id'] ? Number(values['device-id']) : undefined;
        const pending = await tool.waiting();
        const request = resolveRef(need(args[0], 'REQUEST (a request id or the name it was made for)'), pending, {
          noun: 'pending request', id: (p) => p.requestId, name: (p) => p.userName, listCommand: 'valise-admin pending',
        });
        let code = values.code;
        if (!code) {
          if (canPrompt()) code = await promptHidden(`Comparison code shown on ${request.userName}'s device (${request.deviceName}): `);
          else code = pipedLine();
          if (!code) throw new UsageError('approve needs --code NNNNNN: the 6 digits the device shows (there is no terminal to ask on).');
        }
        const userId = values.user ? await user(values.user, '--user') : undefined;
        const r = await tool.approve(request.requestId, code, { ...(userId ? { userId } : {}), ...(deviceId ? { deviceId } : {}) });
        console.log(values.json ? JSON.stringify(r) : `Approved: device ${r.deviceId} of ${r.userId}. The device receives its certificate now.`);
        break;
      }
      case 'revoke-device': {
        const userId = await user(args[0], 'USER');
        await tool.revokeDevice(userId, Number(need(args[1], 'DEVICE_ID')), values.reason ?? '');
        console.log(values.json ? JSON.stringify({ userId, deviceId: Number(args[1]), revoked: true }) : `Device ${args[1]} of ${userId} revoked; its connection was cut.`);
        break;
      }
      case 'revoke-user': {
        const userId = await user(args[0], 'USER');
        await tool.revokeUser(userId, values.reason ?? '');
        console.log(values.json ? JSON.stringify({ userId, revoked: true }) : `User ${userId} revoked; every device of theirs was cut off.`);
        break;
      }
      case 'set-clearance': {
        const userId = await user(args[0], 'USER');
        const clearance = need(values.clearance, '--clearance');
        await tool.setClearance(userId, clearance);
        const level = tool.clearanceLevel(clearance);
        console.log(values.json ? JSON.stringify({ userId, clearance: label(level), level }) : `Clearance of ${userId} set to ${label(level)}.`);
        break;
      }
      case 'audit':
        print(values, await tool.audit(values.after ? Number(values.after) : 0), ['seq', 'at', 'event', 'actor', 'subject', 'detail']);
        break;
    }
  } finally {
    await tool.close();
  }
}

/** The first line of a piped or redirected stdin (`echo 123456 | valise-admin approve Dave`); never waits on a terminal. */
function pipedLine(): string | undefined {
  try {
    const st = fs.fstatSync(0);
    if (!st.isFIFO() && !st.isFile() && !st.isSocket()) return undefined;
    return fs.readFileSync(0, 'utf8').split(/\r?\n/)[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The exit code and the message of a failure (codes from exitCodes.ts). */
function failure(e: unknown): { code: number; errorCode: string; message: string } {
  if (e instanceof CliError) return { code: e.exitCode, errorCode: e.code, message: e.message };
  if (e instanceof RootKeyFileError) return { code: EXIT.locked, errorCode: 'ROOT_KEY', message: e.message };
  if (e instanceof OrgConfigError) return { code: EXIT.locked, errorCode: 'ORG_FILE', message: `${e.message}\nRun valise-admin in the folder that holds org.json and org-root.key, or give --dir DIR.` };
  if (e instanceof RelayUnavailable) return { code: EXIT.offline, errorCode: e.code, message: e.userMessage };
  if (e instanceof RelayRefused) return { code: EXIT.refused, errorCode: e.code, message: `The relay refused: ${e.userMessage} (${e.code})` };
  if (e instanceof AdminError) return { code: EXIT.refused, errorCode: 'REFUSED', message: e.message };
  return { code: EXIT.failure, errorCode: 'INTERNAL', message: `valise-admin failed: ${e instanceof Error ? e.message : String(e)}` };
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const [command, ...args] = parsed.positionals;
  try {
    await run(parsed.values, command, args);
    return EXIT.ok;
  } catch (e) {
    const f = failure(e);
    if (parsed.values.json) console.log(JSON.stringify({ error: { code: f.errorCode, message: f.message } }));
    console.error(f.message);
    return f.code;
  }
}

process.exit(await main(process.argv.slice(2)));
