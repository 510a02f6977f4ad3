/**
 * The README stays true: its "Try it" command blocks (marked `<!-- walkthrough:NAME -->`) are run
 * literally, in a temporary copy of the repository's root (the folder they say to run from), as a
 * newcomer would paste them: the demo in one terminal, the by-hand commands in a second, Dave's
 * enrolment in a third (his code typed into `approve`, as the officer would). The demo's relay
 * picks a random loopback port itself, so no command is changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function block(name: string): string[] {
  const m = new RegExp(`<!-- walkthrough:${name} -->\\s*\\n\`\`\`\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!m) throw new Error(`README has no walkthrough block "${name}"`);
  return m[1]!.split('\n').filter((l) => l.trim() !== '');
}

/** The environment of a fresh terminal: none of Valise's variables set. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('VALISE_') || k.startsWith('npm_')) delete env[k];
  return env;
}

interface Run {
  code: number | null;
  out: string;
}

function shell(script: string, cwd: string, o: { stdin?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', ['-c', script], { cwd, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.stdin.end(o.stdin ?? '');
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`timed out: ${script}\n${out}`));
    }, o.timeoutMs ?? 90_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

/** A command left running in its own terminal; `waitFor` watches what it printed. */
function background(script: string, cwd: string): { p: ChildProcess; out: () => string; waitFor: (re: RegExp, ms: number) => Promise<RegExpExecArray> } {
  const p = spawn('bash', ['-c', script], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const waitFor = async (re: RegExp, ms: number) => {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(out);
      if (m) return m;
      if (Date.now() > end || p.exitCode !== null) throw new Error(`"${script}" did not print ${re} in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { p, out: () => out, waitFor };
}

let dir: string;
let demo: ReturnType<typeof background> | undefined;

beforeAll(() => {
  // The repository's root as a newcomer has it: sources, scripts, bins, and the installed packages.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-readme-'));
  for (const f of fs.readdirSync(ROOT)) {
    if (f === 'package.json' || f === '.gitignore' || /^tsconfig.*\.json$/.test(f)) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  for (const d of ['src', 'bin', 'scripts']) fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
});

afterAll(() => {
  if (demo?.p.pid) {
    try {
      process.kill(-demo.p.pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('README walkthrough, run literally', () => {
  it('the demo, the by-hand commands and a new person joining all do what the README says', { timeout: 420_000 }, async () => {
    const [demoLine, ...more] = block('demo');
    expect(more).toEqual([]);
    const started = Date.now();
    demo = background(demoLine!, dir);
    await demo.waitFor(/Ready in [\d.]+ s/, 60_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    // Everything it made is in one git-ignored folder.
    expect(fs.readdirSync(path.join(dir, 'demo')).sort()).toEqual(expect.arrayContaining(['org.json', 'org-root.key', 'alice', 'bob', 'carol', 'olga', 'relay-data']));
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toContain('/demo/');

    const byHand = block('by-hand');
    const exportLine = byHand[0]!;
    expect(exportLine).toMatch(/^export /);
    const r = await shell(`set -euo pipefail\n${byHand.join('\n')}`, dir, { timeoutMs: 240_000 });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Alice: Counter-offer received: 10 percent');
    expect(r.out).toMatch(/bob-\w+ +Bob +CONFIDENTIAL/);
    expect(r.out).toContain('Wiped on 1 of 2 devices — waiting for: Bob');
    expect(r.out).toContain('Wiped on 2 of 2 devices');
    expect(r.out).toContain('channel.wiped');

    // Dave joins: his enrolment runs in its own terminal; the officer types the code it shows.
    let enrolling: ReturnType<typeof background> | undefined;
    for (const line of block('enrol')) {
      if (line.includes('# in a third terminal')) {
        enrolling = background(`${exportLine}\n${line}`, dir);
        await enrolling.waitFor(/Waiting for the security officer/, 60_000);
        continue;
      }
      let stdin = '';
      if (/valise-admin approve/.test(line)) stdin = `${(await enrolling!.waitFor(/Comparison code: (\d{6})/, 60_000))[1]}\n`;
      const step = await shell(`${exportLine}\n${line}`, dir, { stdin });
      expect(step.code, `${line}\n${step.out}`).toBe(0);
      if (/valise-admin pending/.test(line)) expect(step.out).toMatch(/\d{6} +Dave/);
      if (/--profile demo\/dave channels/.test(line)) expect(step.out).toContain('Venue');
      if (/valise-admin approve/.test(line)) {
        await enrolling!.waitFor(/Enrolled\./, 60_000);
      }
    }
  });
});
