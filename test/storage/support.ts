/** Helpers for storage tests: temp dirs, file snapshots, a private swtpm and a private SoftHSM token. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/storage/Database.ts';
import { LocalStore } from '../../src/storage/LocalStore.ts';
import { migrate } from '../../src/storage/migrations/index.ts';

export function tempDir(prefix = 'valise-storage-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** name -> sha256 of every file in `dir` (recursively), to prove nothing was touched. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, f);
    if (fs.statSync(full).isFile()) out[f] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
  }
  return out;
}

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** In CI a missing system tool is a failure, never a silent skip. Locally it also fails, with a hint. */
export function requireTool(name: string, pkg: string): void {
  if (!hasTool(name)) {
    throw new Error(`${name} is missing (install the Debian package ${pkg}; CI=${process.env.CI ?? 'unset'})`);
  }
}

function canListen(port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/** Two consecutive free loopback ports (the swtpm TCTI uses port and port + 1). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const a = await canListen(port);
    const b = a ? await canListen(port + 1) : null;
    await Promise.all([a, b].map((s) => (s ? new Promise((r) => s.close(r)) : undefined)));
    if (a && b) return port;
  }
  throw new Error('no free port pair for swtpm');
}

export interface Swtpm {
  tcti: string;
  stop(): Promise<void>;
}

/** Starts a private software TPM 2.0 on free loopback ports with its state in a temp dir. */
export async function startSwtpm(): Promise<Swtpm> {
  requireTool('swtpm', 'swtpm');
  requireTool('tpm2_createprimary', 'tpm2-tools');
  const dir = tempDir('valise-swtpm-');
  const port = await freePortPair();
  const child: ChildProcess = spawn(
    'swtpm',
    ['socket', '--tpm2', '--tpmstate', `dir=${dir}`, '--server', `type=tcp,port=${port},bindaddr=127.0.0.1`, '--ctrl', `type=tcp,port=${port + 1},bindaddr=127.0.0.1`, '--flags', 'not-need-init,startup-clear'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('swtpm did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    tcti: `swtpm:host=127.0.0.1,port=${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const SOFTHSM_LIB = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsm {
  tokenLabel: string;
  pin: string;
  cleanup(): void;
}

/** A private SoftHSM2 configuration and token directory; sets SOFTHSM2_CONF for this process. */
export function setUpSoftHsm(tokenLabel = 'valise-test'): SoftHsm {
  requireTool('softhsm2-util', 'softhsm2');
  if (!fs.existsSync(SOFTHSM_LIB)) throw new Error(`${SOFTHSM_LIB} is missing (install softhsm2)`);
  const dir = tempDir('valise-softhsm-');
  fs.mkdirSync(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  const pin = '123456';
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--so-pin', '87654321', '--pin', pin], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'ignore',
  });
  return { tokenLabel, pin, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Small Argon2 costs for tests (the key file records them; production uses DEFAULT_ARGON2). */
export const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

/** A migrated LocalStore on a fresh encrypted database in `dir` (no key provider involved). */
export async function openTestStore(dir: string): Promise<LocalStore> {
  fs.mkdirSync(dir, { recursive: true });
  const db = openDatabase(path.join(dir, 'valise.db'), crypto.randomBytes(32), { create: true });
  migrate(db);
  return new LocalStore(db);
}
