/**
 * `npm start [-- --profile NAME|PATH] [--browser] [--no-open] [--port N]`
 * A profile is a name (kept under .profiles/) or the folder of a CLI profile (`--profile demo/alice`,
 * anything with a slash, relative to where npm start was run).
 * Starts Valise in Electron when its binary is present. Otherwise it tries Electron's installer
 * once; when that fails it says so in one line and starts browser mode: the renderer served on
 * 127.0.0.1, opened through a launch file only this user can read (a one-time token inside, never
 * in a command line or on the terminal), in Chromium's app mode when there is a display.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Engine } from '../src/main/engine/Engine.ts';
import { startRelay } from '../src/server/startRelay.ts';
import { startBrowserMode } from '../src/main/host/browserMode.ts';
import { chromiumLaunch } from '../src/main/host/chromiumLaunch.ts';
import { pathToFileURL } from 'node:url';
import { ensureRendererBuilt } from './rendererBuild.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'default' },
    browser: { type: 'boolean', default: false },
    'no-open': { type: 'boolean', default: false },
    port: { type: 'string' },
  },
  allowPositionals: false,
});

function electronBinary(): string | null {
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const bin = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(bin) ? bin : null;
}

function tryElectronInstaller(): boolean {
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!fs.existsSync(installer)) return false;
  const timeout = Number(process.env.VALISE_ELECTRON_INSTALL_TIMEOUT_MS ?? 60_000);
  const r = spawnSync(process.execPath, [installer], { cwd: path.dirname(installer), stdio: 'ignore', timeout });
  return r.status === 0 && electronBinary() !== null;
}

/** A name under .profiles/, or a folder (a CLI profile) when it has a slash or starts with a dot. */
function profileOf(value: string): { name: string; dir: string | null } {
  if (!/[/\\]/.test(value) && !value.startsWith('.')) return { name: value, dir: null };
  const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), value);
  if (!fs.existsSync(dir)) {
    console.error(`No profile folder at ${dir}. Give a folder made by valise or npm run demo, or a name (letters, digits, - and _).`);
    process.exit(2);
  }
  const name = path.basename(dir).replace(/[^\w-]/g, '_').slice(0, 64) || 'profile';
  return { name, dir };
}

const profile = profileOf(values.profile!);

async function main(): Promise<void> {
  let electron = values.browser ? null : electronBinary();
  if (!electron && !values.browser && process.env.VALISE_SKIP_ELECTRON_INSTALL !== '1') {
    electron = tryElectronInstaller() ? electronBinary() : null;
  }
  if (electron) {
    const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/build.ts', '--electron'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
    const child = spawn(electron, [root, `--profile=${profile.dir ?? profile.name}`], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  if (!values.browser) console.log('Electron is not available (its binary could not be installed); starting Valise in browser mode.');
  ensureRendererBuilt(root);
  if (!profile.dir && !/^[\w-]{1,64}$/.test(profile.name)) {
    console.error('A profile name uses letters, digits, - and _ only.');
    process.exit(2);
  }
  // Logs go to stderr as JSON; stdout stays for the one line a person reads.
  const log = pino({ name: 'valise', level: process.env.VALISE_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const engine = new Engine({ profileDir: profile.dir ?? path.join(root, '.profiles', profile.name, 'data'), logger: log, startRelay });
  const running = await startBrowserMode({ root, profile: profile.name, port: values.port ? Number(values.port) : undefined, service: engine, log });
  // What this launch keeps beside the profile: the one-time launch page and Chromium's own profile.
  const local = path.join(root, '.profiles', profile.dir ? `folder-${profile.name}` : profile.name);
  const launchFile = running.writeLaunchFile(path.join(local, 'launch', 'open-valise.html'));
  console.log(`Valise (profile ${profile.dir ?? `"${profile.name}"`}) is running at ${running.origin}; open ${pathToFileURL(launchFile).href} in a browser to use it (that page works once).`);
  const chromium = '/usr/bin/chromium';
  if (!values['no-open'] && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && fs.existsSync(chromium)) {
    const userData = path.join(local, 'chromium');
    fs.mkdirSync(userData, { recursive: true, mode: 0o700 });
    const c = chromiumLaunch(chromium, launchFile, userData);
    spawn(c.command, c.args, { stdio: 'ignore', detached: true }).unref();
  }
  const stop = async () => {
    await running.close();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
