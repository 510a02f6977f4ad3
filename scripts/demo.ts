/**
 * `npm run demo [-- --dir DIR] [--port N]`: a whole organisation on loopback in well under a
 * minute, to try Valise by hand. In DIR (default `demo/`, git-ignored): org.json and the root key,
 * the relay's data, and one CLI profile per person — Olga (security officer), Alice (lead, SECRET),
 * Bob (delegate, CONFIDENTIAL), Carol (delegate, RESTRICTED) — with two channels and a few
 * messages. The relay keeps running until Ctrl-C; the commands to go on by hand are printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { AdminTool, initOrg } from '../src/cli/admin/AdminTool.ts';
import { Engine } from '../src/main/engine/Engine.ts';
import type { ApiEvent } from '../src/shared/api/events.ts';
import type { ApiMethod, ApiParams, ApiResult } from '../src/shared/api/methods.ts';
import { DEFAULT_POLICY } from '../src/shared/model/policy.ts';
import { logDestination } from '../src/server/logDestination.ts';
import { startRelay } from '../src/server/startRelay.ts';

export const DEMO_PASSPHRASE = 'demo passphrase';
export const DEMO_ADMIN_PASSPHRASE = 'demo admin passphrase';
const MARKER = '.valise-demo';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { dir: { type: 'string', default: 'demo' }, port: { type: 'string', default: '0' } } });
const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.dir!);
// How the printed commands name the folder: relative to the repository's root when inside it.
const shown = path.relative(root, dir).startsWith('..') ? dir : path.relative(root, dir) || '.';

const PEOPLE = [
  { key: 'olga', name: 'Olga', clearance: 'SECRET', roles: ['security-officer'] },
  { key: 'alice', name: 'Alice', clearance: 'SECRET', roles: ['delegate', 'lead'] },
  { key: 'bob', name: 'Bob', clearance: 'CONFIDENTIAL', roles: ['delegate'] },
  { key: 'carol', name: 'Carol', clearance: 'RESTRICTED', roles: ['delegate'] },
] as const;

function step(text: string): void {
  process.stdout.write(`  ${text}\n`);
}

/** A person's device: an engine on its profile folder, with the events it emitted. */
class Device {
  readonly engine: Engine;
  readonly events: ApiEvent[] = [];
  constructor(readonly name: string, readonly dir: string) {
    this.engine = new Engine({ profileDir: dir, startRelay, enrolmentPollMs: 200, deviceName: `${name}'s laptop (demo)` });
    this.engine.onEvent((e) => this.events.push(e));
  }
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    return this.engine.handle(method, params) as Promise<ApiResult<M>>;
  }
  async until(what: string, pred: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error(`${this.name}: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  if (fs.existsSync(dir)) {
    if (!fs.existsSync(path.join(dir, MARKER))) {
      console.error(`${dir} exists and was not made by npm run demo; give another folder with --dir DIR.`);
      process.exit(2);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MARKER), 'made by npm run demo; removed and made again by the next one\n');
  console.log(`Building a demo organisation in ${dir}`);

  const org = await initOrg({ dir, relayUrl: 'ws://127.0.0.1:1', passphrase: DEMO_ADMIN_PASSPHRASE, name: 'Geneva delegation (demo)' });
  const log = pino({ level: 'warn', base: { service: 'valise-relay' } }, logDestination());
  const relay = await startRelay({ orgId: org.orgId, orgPublicKey: Buffer.from(org.orgPublicKey, 'base64'), host: '127.0.0.1', port: Number(values.port), dataDir: path.join(dir, 'relay-data'), logger: log });
  const orgFile = path.join(dir, 'org.json');
  fs.writeFileSync(orgFile, JSON.stringify({ ...org, relayUrl: relay.url }, null, 2) + '\n');
  const port = new URL(relay.url).port;
  step(`relay on ${relay.url} (data in ${shown}/relay-data)`);

  const admin = await AdminTool.open(dir, DEMO_ADMIN_PASSPHRASE);
  const ids = new Map<string, string>();
  for (const p of PEOPLE) ids.set(p.key, await admin.addUser({ name: p.name, clearance: p.clearance, roles: [...p.roles] }));
  step(`users: ${PEOPLE.map((p) => `${p.name} (${p.clearance}, ${p.roles.join('+')})`).join(', ')}`);

  // Each device asks to join; the officer opens the requests, compares each code with the one
  // the device shows, and approves — what `valise-admin pending` and `approve` do by hand.
  const devices = PEOPLE.map((p) => new Device(p.name, path.join(dir, p.key)));
  const orgJson = fs.readFileSync(orgFile, 'utf8');
  const requests = await Promise.all(devices.map((d) => d.call('joinOrganisation', { orgJson, displayName: d.name, keyProvider: 'passphrase', passphrase: DEMO_PASSPHRASE })));
  const pending = await admin.pending();
  for (const [i, d] of devices.entries()) {
    const request = pending.find((p) => p.requestId === requests[i]!.requestId);
    if (!request) throw new Error(`the request of ${d.name} did not reach the relay`);
    await d.until('the comparison code', async () => (await d.call('enrolmentStatus', {})).comparisonCode !== null);
    const { comparisonCode } = await d.call('enrolmentStatus', {});
    if (comparisonCode !== request.code) throw new Error(`the codes of ${d.name} differ: refusing to approve`);
    await admin.approve(request.requestId, comparisonCode!, { userId: ids.get(PEOPLE[i]!.key)! });
  }
  for (const d of devices) {
    await d.until('approval', async () => (await d.call('status', {})).state === 'unlocked');
    await d.until('the relay', () => d.events.some((e) => e.type === 'connection' && e.state === 'online'));
  }
  step('devices enrolled: each comparison code checked against the officer\'s before approval');

  const [, alice, bob, carol] = devices as [Device, Device, Device, Device];
  const tariff = await alice.call('createChannel', { name: 'Tariff talks', classification: 2, memberUserIds: [ids.get('bob')!], policy: { ...DEFAULT_POLICY, messageLifetimeMs: 24 * 3_600_000 } });
  const logistics = await alice.call('createChannel', { name: 'Logistics', classification: 1, memberUserIds: [ids.get('bob')!, ids.get('carol')!], policy: DEFAULT_POLICY });
  step('channels: "Tariff talks" (CONFIDENTIAL: Alice, Bob; messages live 24 h), "Logistics" (RESTRICTED: Alice, Bob, Carol)');
  await bob.until('both channels', async () => (await bob.call('listChannels', {})).channels.length === 2);
  await carol.until('Logistics', async () => (await carol.call('listChannels', {})).channels.length === 1);

  const say = async (d: Device, channelId: string, text: string) => {
    await d.call('send', { channelId, text });
  };
  await say(alice, tariff.id, 'Opening position: 12 percent on steel, nothing on grain.');
  await say(bob, tariff.id, 'Their side hinted at 9. I would hold at 11.');
  await say(alice, logistics.id, 'Delegation meeting tomorrow at 08:30, room B.');
  await say(carol, logistics.id, 'Badges are at the front desk.');
  const received = async (d: Device, channelId: string, n: number) => (await d.call('listMessages', { channelId, limit: 50 })).messages.length >= n;
  await alice.until('the replies', async () => (await received(alice, tariff.id, 2)) && (await received(alice, logistics.id, 2)));
  await bob.until('the messages', async () => (await received(bob, tariff.id, 2)) && (await received(bob, logistics.id, 2)));
  await carol.until('the messages', () => received(carol, logistics.id, 2));
  step('4 messages sent and delivered');

  for (const d of devices) {
    await d.engine.current?.outboxIdle;
    await d.engine.close();
  }
  await admin.close();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
Ready in ${seconds} s. The relay keeps running here until Ctrl-C (afterwards, start it again with:
  npm run server -- --org ${shown}/org.json --data-dir ${shown}/relay-data --port ${port}).

Go on by hand in another terminal, from the repository's root:

cd ${root}
export VALISE_PASSPHRASE='${DEMO_PASSPHRASE}' VALISE_ADMIN_PASSPHRASE='${DEMO_ADMIN_PASSPHRASE}' VALISE_ADMIN_DIR=${shown}
npx valise --profile ${shown}/alice channels
npx valise --profile ${shown}/alice send "Tariff talks" "Counter-offer received: 10 percent"
npx valise --profile ${shown}/bob tail "Tariff talks" --history 5 --timeout 5
npx valise --profile ${shown}/carol channels
npx valise --profile ${shown}/alice members Logistics
npx valise-admin users
npx valise --profile ${shown}/alice wipe "Tariff talks" --wait 5
npx valise --profile ${shown}/bob channels
npx valise --profile ${shown}/alice wipe-status "Tariff talks"
npx valise-admin audit

More (a new person joining, the app) in the README's "Try it". The app on a profile, in browser
mode (close it before using that profile from the shell):
  npm start -- --profile ${shown}/alice --browser
`);
  const stop = () => {
    void relay.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error('The demo could not be built:', e instanceof Error ? e.message : e);
  process.exit(1);
});
