/**
 * The security officer's Organisation view in Debian Chromium, on real engines and a real relay:
 * the officer (not a member) sees the channel with its classification, members count and status,
 * pauses it with a reason (the members cannot send and see why), resumes it, and wipes it with the
 * typed confirmation, watching the receipts reach 2 of 2. Screenshots in the test's output folder
 * and in docs/images/ (docs/security-officer.md shows them).
 */
import { expect, test } from '@playwright/test';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { ensureRendererBuilt } from '../../scripts/rendererBuild.ts';
import { until, type Node } from '../scenarios/harness.ts';
import { ROOT } from './fixtures/demoHost.ts';
import { LiveOrg } from './fixtures/LiveOrg.ts';
import { shotForDocs } from './fixtures/docsImages.ts';

let live: LiveOrg | undefined;

test.afterEach(async () => {
  await live?.close();
  live = undefined;
});

async function statusAt(n: Node, id: string) {
  return (await n.call('listChannels', {})).channels.find((c) => c.id === id);
}

test('a security officer pauses, resumes and wipes a channel she is not a member of', async ({ browser }) => {
  test.setTimeout(180_000);
  ensureRendererBuilt(ROOT);
  live = await LiveOrg.start();
  const sc = live.scenario;
  await sc.org.addUser('alice', { roles: ['delegate', 'lead'], clearance: 3, name: 'Alice Martin' });
  await sc.org.addUser('bob', { roles: ['delegate'], clearance: 3, name: 'Bob Keller' });
  await sc.org.addUser('olga', { roles: ['security-officer'], clearance: 3, name: 'Olga Berg' });
  const alice = await live.join('alice', 'Alice Martin');
  const bob = await live.join('bob', 'Bob Keller');
  const olga = await live.join('olga', 'Olga Berg');
  const ch = await alice.call('createChannel', { name: 'Room 7', classification: 3, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
  await alice.call('send', { channelId: ch.id, text: 'Their opening position is firm.' });
  await bob.waitText('Their opening position is firm.');

  const page = await (await browser.newContext()).newPage();
  await live.open(page, olga);
  // An officer who is not a lead is not offered channel creation.
  await expect(page.getByRole('button', { name: 'New channel' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Organisation' }).click();
  const row = page.getByRole('row', { name: /Room 7/ });
  await expect(row).toBeVisible({ timeout: 20_000 });
  await expect(row.getByText('not a member')).toBeVisible();
  await expect(row.getByText('SECRET')).toBeVisible();
  await expect(row.getByRole('cell', { name: '2', exact: true })).toBeVisible();
  await expect(row.getByText('Active')).toBeVisible();
  await shotForDocs(page, 'officer-1-organisation');

  // Pause with a reason: the members cannot send and see why.
  await page.getByRole('button', { name: 'Pause Room 7' }).click();
  await page.getByLabel('Reason (shown to members)').fill('Badge lost at the venue');
  await page.getByRole('button', { name: 'Pause channel' }).click();
  await expect(row.getByText('Paused — Badge lost at the venue')).toBeVisible({ timeout: 20_000 });
  await until(async () => (await statusAt(bob, ch.id))?.status === 'paused', 20_000, 'bob sees the pause');
  expect((await statusAt(bob, ch.id))?.pausedReason).toBe('Badge lost at the venue');
  await expect(bob.call('send', { channelId: ch.id, text: 'one more' })).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
  await shotForDocs(page, 'officer-2-paused');

  await page.getByRole('button', { name: 'Resume Room 7' }).click();
  await expect(row.getByText('Active')).toBeVisible({ timeout: 20_000 });
  await until(async () => (await statusAt(bob, ch.id))?.status === 'active', 20_000, 'bob sees the resume');

  // Wipe with the typed name; the receipts arrive from both member devices.
  await page.getByRole('button', { name: 'Wipe Room 7' }).click();
  const wipe = page.getByRole('dialog');
  await expect(wipe.getByRole('button', { name: 'Wipe channel' })).toBeDisabled();
  await wipe.getByLabel('Type the channel name to confirm').fill('Room 7');
  await shotForDocs(page, 'officer-3-wipe-confirm');
  await wipe.getByRole('button', { name: 'Wipe channel' }).click();
  await expect(wipe.getByTestId('wipe-status')).toHaveText('Wiped on 2 of 2 devices — complete.', { timeout: 30_000 });
  await shotForDocs(page, 'officer-4-wipe-receipts');
  expect((await alice.call('listChannels', {})).channels).toEqual([]);
  expect((await bob.call('listChannels', {})).channels).toEqual([]);
  await wipe.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('row', { name: /Room 7/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Room 7: Wiped on 2 of 2 devices — complete.' })).toBeVisible();
  await shotForDocs(page, 'officer-5-after-wipe');
});
