/**
 * `npm start` without an Electron binary: one line saying it falls back to browser mode, then a
 * page that only opens with the per-launch token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '..', '..');
let child: ChildProcess | undefined;
let output = '';

test.afterEach(() => {
  child?.kill('SIGTERM');
  child = undefined;
});

async function startApp(): Promise<string> {
  child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts', '--no-open', '--profile', 'e2e-start'], {
    cwd: root,
    env: { ...process.env, VALISE_ELECTRON_INSTALL_TIMEOUT_MS: '30000', DISPLAY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  output = '';
  return await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start did not print a URL:\n${output}`)), 60_000);
    child!.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child!.on('exit', (code) => reject(new Error(`start exited with ${code}:\n${output}`)));
  });
}

test('npm start falls back to browser mode and needs the token', async ({ page, request }) => {
  const url = await startApp();
  const fallbackLines = output.split('\n').filter((l) => /browser mode/i.test(l));
  expect(fallbackLines).toHaveLength(1);

  const origin = new URL(url).origin;
  const refused = await request.get(origin + '/');
  expect(refused.status()).toBe(403);
  const wrong = await request.get(origin + '/?token=not-the-token');
  expect(wrong.status()).toBe(403);

  await page.goto(url);
  await expect(page).toHaveURL(origin + '/');
  await expect(page.getByText('Valise').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('browser-mode.png') });
});
