/**
 * First run on a real engine in browser mode: start a local organisation on this machine (an
 * embedded relay), see it labelled as local, lock, and unlock with the passphrase.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Engine } from '../../src/main/engine/Engine.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import { startBrowserMode, type RunningBrowserMode } from '../../src/main/host/browserMode.ts';
import { ensureRendererBuilt } from '../../scripts/rendererBuild.ts';
import { FAST_ARGON2 } from '../scenarios/harness.ts';
import { ROOT } from './fixtures/demoHost.ts';

let engine: Engine | undefined;
let host: RunningBrowserMode | undefined;
let dir: string | undefined;

test.afterEach(async () => {
  await host?.close();
  await engine?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  host = engine = dir = undefined;
});

test('start a local organisation, lock, unlock', async ({ page }) => {
  test.setTimeout(120_000);
  ensureRendererBuilt(ROOT);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-first-run-'));
  engine = new Engine({ startRelay, profileDir: dir, keyProviders: { argon2: FAST_ARGON2 } });
  host = await startBrowserMode({ root: ROOT, profile: 'first-run', service: engine });
  await page.setViewportSize({ width: 1100, height: 700 });
  await page.goto(host.launchUrl());

  await expect(page.getByRole('heading', { name: 'Welcome to Valise' })).toBeVisible();
  await page.getByLabel('Organisation name').fill('Trade delegation');
  // A single-word name: the engine derives the user id from it (see the report on names with spaces).
  await page.getByLabel('Your name').fill('Alice');
  await page.getByLabel('Passphrase for this device').fill('correct horse battery staple');
  await page.screenshot({ path: test.info().outputPath('1-first-run.png') });
  await page.getByRole('button', { name: 'Create local organisation' }).click();
  await expect(page.getByText('Local organisation (this machine only)')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'New channel' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('2-workspace.png') });

  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByRole('heading', { name: 'Valise is locked' })).toBeVisible();
  await page.getByLabel('Passphrase').fill('wrong passphrase');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('3-unlock-refused.png') });
  await page.getByLabel('Passphrase').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('button', { name: 'New channel' })).toBeVisible({ timeout: 30_000 });
});
