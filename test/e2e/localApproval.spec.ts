/**
 * A local organisation in Debian Chromium: the person who started it (its security officer)
 * approves a second profile from the app — the request appears with the comparison code, the
 * officer types the code the new device shows, and the new profile is enrolled.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Engine } from '../../src/main/engine/Engine.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import { startBrowserMode, type RunningBrowserMode } from '../../src/main/host/browserMode.ts';
import { ensureRendererBuilt } from '../../scripts/rendererBuild.ts';
import { FAST_ARGON2, PASSPHRASE, until } from '../scenarios/harness.ts';
import { ROOT } from './fixtures/demoHost.ts';

const engines: Engine[] = [];
const dirs: string[] = [];
let host: RunningBrowserMode | undefined;

test.afterEach(async () => {
  await host?.close();
  host = undefined;
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function engine(): Engine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-e2e-local-'));
  dirs.push(dir);
  const e = new Engine({ startRelay, profileDir: dir, keyProviders: { argon2: FAST_ARGON2 }, deviceName: 'bob-laptop', enrolmentPollMs: 100 });
  engines.push(e);
  return e;
}

test('the local officer approves a second profile from the Organisation view', async ({ page }) => {
  test.setTimeout(120_000);
  ensureRendererBuilt(ROOT);
  const alice = engine();
  const started = (await alice.handle('startLocalOrganisation', { orgName: 'Local delegation', displayName: 'Alice Martin', keyProvider: 'passphrase', passphrase: PASSPHRASE })) as { orgJson: string };
  const bob = engine();
  await bob.handle('joinOrganisation', { orgJson: started.orgJson, displayName: 'Bob Keller', keyProvider: 'passphrase', passphrase: PASSPHRASE });

  host = await startBrowserMode({ root: ROOT, profile: 'alice', service: alice });
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.goto(host.launchUrl());
  await page.getByRole('button', { name: 'Organisation' }).click();
  const request = page.getByRole('form', { name: 'Request from Bob Keller' });
  await expect(request).toBeVisible({ timeout: 20_000 });
  let bobCode: string | null = null;
  await until(async () => (bobCode = ((await bob.handle('enrolmentStatus', {})) as { comparisonCode: string | null }).comparisonCode) !== null, 10_000, 'code on bob');

  await request.getByLabel('Code shown on the new device').fill(bobCode!);
  await request.getByLabel('Clearance').selectOption({ label: 'CONFIDENTIAL' });
  await page.screenshot({ path: test.info().outputPath('1-approve-request.png') });
  await request.getByRole('button', { name: 'Approve' }).click();
  await until(async () => ((await bob.handle('status', {})) as { state: string }).state === 'unlocked', 20_000, 'bob enrolled');
  await expect(page.getByText('No device is waiting.', { exact: false })).toBeVisible({ timeout: 20_000 });
  expect(((await bob.handle('status', {})) as { me: { displayName: string; clearance: number } }).me).toMatchObject({ displayName: 'Bob Keller', clearance: 2 });
  await page.screenshot({ path: test.info().outputPath('2-approved.png') });
});
