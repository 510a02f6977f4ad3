/**
 * Runs @doyensec/electronegativity over the Electron shell and the renderer's HTML (offline, with
 * the Electron version pinned) and fails on any finding that is not in the reviewed allowlist.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const SHELL_FILES = ['main.ts', 'window.ts', 'ipc.ts', 'preload.ts', 'security.ts', 'composeEngine.ts'];

interface Finding {
  check: string;
  file: string;
}

function scan(): Finding[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-eneg-'));
  try {
    for (const f of SHELL_FILES) fs.copyFileSync(path.join(import.meta.dirname, f), path.join(dir, f));
    fs.copyFileSync(path.join(root, 'src', 'renderer', 'index.html'), path.join(dir, 'index.html'));
    const out = path.join(dir, 'result.sarif');
    const cli = path.join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
    const r = spawnSync(process.execPath, [cli, '-i', dir, '-e', '41.7.1', '-o', out, '-r'], { encoding: 'utf8', timeout: 120_000 });
    if (!fs.existsSync(out)) throw new Error(`electronegativity produced no report (exit ${r.status}): ${r.stderr}`);
    const sarif = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      runs: { results: { ruleId: string; locations?: { physicalLocation?: { artifactLocation?: { uri?: string } } }[] }[] }[];
    };
    return sarif.runs.flatMap((run) =>
      run.results.map((res) => ({ check: res.ruleId, file: path.basename(res.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? 'N/A') })),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

it('electronegativity finds nothing outside the reviewed allowlist', () => {
  const { allowed } = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'electronegativity-allowlist.json'), 'utf8')) as { allowed: (Finding & { reason: string })[] };
  for (const a of allowed) expect(a.reason.length, `${a.check} needs a reason`).toBeGreaterThan(40);
  const findings = scan();
  const unexpected = findings.filter((f) => !allowed.some((a) => a.check === f.check && a.file === f.file));
  expect(unexpected).toEqual([]);
}, 180_000);
