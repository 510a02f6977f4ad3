/**
 * `npm start` without an Electron binary: one line saying it falls back to browser mode, then a
 * page that opens only through the launch file (0600) and only once; the token is never printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '..', '..');
let child: ChildProcess | undefined;
let output = '';

test.afterEach(() => {
  child?.kill('SIGTERM');
  child = undefined;
});

async function startApp(): Promise<{ origin: string; launchFile: string }> {
  child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts', '--no-open', '--profile', 'e2e-start'], {
    cwd: root,
    env: { ...process.env, VALISE_ELECTRON_INSTALL_TIMEOUT_MS: '30000', DISPLAY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start did not print where it runs:\n${output}`)), 60_000);
    child!.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+).*?(file:\/\/\S+\.html)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ origin: m[1]!, launchFile: fileURLToPath(m[2]!) });
      }
    });
    child!.on('exit', (code) => reject(new Error(`start exited with ${code}:\n${output}`)));
  });
}

test('npm start falls back to browser mode and opens once through its launch file', async ({ page, request }) => {
  const { origin, launchFile } = await startApp();
  const fallbackLines = output.split('\n').filter((l) => /browser mode/i.test(l));
  expect(fallbackLines).toHaveLength(1);

  expect(fs.statSync(launchFile).mode & 0o077).toBe(0);
  const token = /token=([\w-]+)/.exec(fs.readFileSync(launchFile, 'utf8'))![1]!;
  expect(output).not.toContain(token);

  const refused = await request.get(origin + '/');
  expect(refused.status()).toBe(403);
  const wrong = await request.get(origin + '/?token=not-the-token');
  expect(wrong.status()).toBe(403);

  await page.goto('file://' + launchFile);
  await expect(page).toHaveURL(origin + '/');
  // Used: the link opens nothing any more, and the file is gone.
  expect((await request.get(`${origin}/?token=${token}`)).status()).toBe(403);
  expect(fs.existsSync(launchFile)).toBe(false);
  expect(output).not.toContain(token);
  await expect(page.getByText('Valise').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('browser-mode.png') });
});
