/** Runs the `valise` CLI as a script would: its passphrase in the environment, output collected, bounded in time. */
import { spawn } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../../bin/valise.js');

export interface ValiseRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runValise(args: string[], o: { passphrase: string; onStdout?: (chunk: string) => void; timeoutMs?: number; faketime?: string; stdin?: string }): Promise<ValiseRun> {
  return new Promise((resolve, reject) => {
    // `faketime` (libfaketime) shifts the clock the CLI sees, e.g. '+10m'.
    const [cmd, argv] = o.faketime ? ['faketime', ['-f', o.faketime, process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
    const p = spawn(cmd, argv, { env: { ...process.env, VALISE_PASSPHRASE: o.passphrase }, stdio: [o.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (o.stdin !== undefined) p.stdin!.end(o.stdin);
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      o.onStdout?.(d.toString());
    });
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`valise ${args.join(' ')} timed out: ${stderr}`));
    }, o.timeoutMs ?? 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
