/**
 * Entry of the `valise-admin` command: organisation, enrolment, clearances, revocation, audit.
 * Every command but init-org talks to the relay on an admin connection signed by the root key
 * (see AdminTool.ts for why).
 */
import { parseArgs } from 'node:util';
import { AdminError, AdminTool, initOrg } from './AdminTool.ts';
import { getPassphrase } from './passphrase.ts';
import { RootKeyFileError } from './RootKeyFile.ts';
import { RelayRefused, RelayUnavailable } from '../../relay/errors.ts';
import { OrgConfigError } from '../../relay/readOrgConfig.ts';

const USAGE = `Usage: valise-admin COMMAND [options]

  init-org --relay-url URL [--org-id ID] [--name NAME] [--local]
                                  create the organisation root key (passphrase-encrypted) and org.json
  add-user --name NAME --clearance LEVEL --roles ROLE[,ROLE]   issue a member certificate
  users                           list users, their clearance and devices
  pending                         open the waiting enrolment requests (each gets the officer's nonce)
                                  and list them with their comparison codes
  approve REQUEST_ID --code NNNNNN [--user USER_ID] [--device-id N]
                                  issue the device certificate (the code must match the device's)
  revoke-device USER_ID DEVICE_ID [--reason TEXT]
  revoke-user USER_ID [--reason TEXT]
  set-clearance USER_ID --clearance LEVEL
  audit [--after SEQ]             the audit log (administrative events, never content)

Options for every command:
  --dir DIR               where org.json and org-root.key live (default: $VALISE_ADMIN_DIR or .)
  --relay URL             relay address (default: relayUrl from org.json)
  --passphrase-file FILE  root key passphrase (else $VALISE_ADMIN_PASSPHRASE, else a prompt)
  --json                  machine-readable output

Roles: delegate, lead, security-officer, records. Levels: a label from org.json or its number.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  strict: true,
  options: {
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
  },
});

const [command, ...args] = positionals;
const dir = values.dir ?? process.env.VALISE_ADMIN_DIR ?? '.';

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === '') throw new AdminError(`Missing ${what}.\n\n${USAGE}`);
  return v;
}

function print(rows: Record<string, unknown>[], columns: string[]): void {
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  console.log(columns.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  for (const r of rows) console.log(columns.map((c, i) => String(r[c] ?? '').padEnd(widths[i]!)).join('  '));
}

async function run(): Promise<void> {
  if (!command || values.help) {
    console.log(USAGE);
    return;
  }
  if (command === 'init-org') {
    const passphrase = await getPassphrase({ passphraseFile: values['passphrase-file'], confirm: true });
    const org = await initOrg({
      dir, relayUrl: need(values['relay-url'], '--relay-url'), passphrase,
      ...(values['org-id'] ? { orgId: values['org-id'] } : {}), ...(values.name ? { name: values.name } : {}), local: values.local ?? false,
    });
    console.log(values.json ? JSON.stringify(org) : `Organisation ${org.orgId} created in ${dir}: org.json (give it to clients and the relay) and org-root.key (keep it offline).`);
    return;
  }
  const known = ['add-user', 'users', 'pending', 'approve', 'revoke-device', 'revoke-user', 'set-clearance', 'audit'];
  if (!known.includes(command)) throw new AdminError(`Unknown command "${command}".\n\n${USAGE}`);
  const passphrase = await getPassphrase({ passphraseFile: values['passphrase-file'] });
  const tool = await AdminTool.open(dir, passphrase, values.relay);
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
        print((await tool.users()).map((u) => ({ ...u, roles: u.roles.join(','), devices: u.devices.join(',') })), ['userId', 'name', 'clearance', 'roles', 'devices']);
        break;
      case 'pending':
        print((await tool.pending()).map((p) => ({ ...p, submitted: new Date(p.submittedMs).toISOString() })), ['requestId', 'code', 'userName', 'deviceName', 'matchedUserId', 'submitted', 'warning']);
        break;
      case 'approve': {
        const deviceId = values['device-id'] ? Number(values['device-id']) : undefined;
        const r = await tool.approve(need(args[0], 'REQUEST_ID'), need(values.code, '--code'), {
          ...(values.user ? { userId: values.user } : {}), ...(deviceId ? { deviceId } : {}),
        });
        console.log(values.json ? JSON.stringify(r) : `Approved: device ${r.deviceId} of ${r.userId}. The device receives its certificate now.`);
        break;
      }
      case 'revoke-device':
        await tool.revokeDevice(need(args[0], 'USER_ID'), Number(need(args[1], 'DEVICE_ID')), values.reason ?? '');
        console.log(`Device ${args[1]} of ${args[0]} revoked; its connection was cut.`);
        break;
      case 'revoke-user':
        await tool.revokeUser(need(args[0], 'USER_ID'), values.reason ?? '');
        console.log(`User ${args[0]} revoked; every device of theirs was cut off.`);
        break;
      case 'set-clearance':
        await tool.setClearance(need(args[0], 'USER_ID'), need(values.clearance, '--clearance'));
        console.log(`Clearance of ${args[0]} set to ${values.clearance}.`);
        break;
      case 'audit':
        print(await tool.audit(values.after ? Number(values.after) : 0), ['seq', 'at', 'event', 'actor', 'subject', 'detail']);
        break;
    }
  } finally {
    await tool.close();
  }
}

run().then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof AdminError || e instanceof RootKeyFileError || e instanceof OrgConfigError) console.error(e.message);
    else if (e instanceof RelayRefused) console.error(`The relay refused: ${e.userMessage} (${e.code})`);
    else if (e instanceof RelayUnavailable) console.error(e.userMessage);
    else console.error('valise-admin failed:', e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
