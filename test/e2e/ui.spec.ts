/**
 * The interface in Debian Chromium over the real browser-mode transport, on the demo engine:
 * classification always visible, policy badges, copy blocked, the member picker, the wipe flow.
 * (The scenario with real engines and a real relay is in valise.spec.ts.)
 */
import { expect, test } from '@playwright/test';
import { startDemo } from './fixtures/demoHost.ts';

let demo: Awaited<ReturnType<typeof startDemo>> | undefined;
test.afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

test('a 100k-message channel opens at the newest message with banners top and bottom', async ({ page }) => {
  demo = await startDemo(100_000);
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.goto(demo.url);
  await page.getByRole('button', { name: /Delegation coordination/ }).click();
  await expect(page.getByText('(#100000)')).toBeVisible();
  const banners = page.getByRole('note', { name: 'CONFIDENTIAL' });
  await expect(banners).toHaveCount(2);
  expect(await page.locator('article').count()).toBeLessThan(80);
  await expect(page.getByText('Disappears after 30 days')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('channel-100k.png') });
});

test('an off-the-record channel shows its badge and blocks copying', async ({ page }) => {
  demo = await startDemo(1000);
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.goto(demo.url);
  await page.getByRole('button', { name: /Negotiation room 4/ }).click();
  await expect(page.getByText('Off the record')).toBeVisible();
  await expect(page.getByRole('note', { name: 'SECRET' }).first()).toBeVisible();
  const list = page.getByRole('log');
  // The page's own ClipboardEvent, dispatched on a message (node typings have no DOM globals).
  const prevented = await list.evaluate(`(() => {
    const e = new ClipboardEvent('copy', { bubbles: true, cancelable: true });
    document.querySelector('article').dispatchEvent(e);
    return e.defaultPrevented;
  })()`);
  expect(prevented).toBe(true);
  await expect(list).toHaveCSS('user-select', 'none');
  await page.screenshot({ path: test.info().outputPath('off-the-record.png') });
});

test('a lead creates a SECRET channel: only cleared people are offered', async ({ page }) => {
  demo = await startDemo(100);
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.goto(demo.url);
  await page.getByRole('button', { name: 'New channel' }).click();
  const dialog = page.getByRole('dialog', { name: 'New channel' });
  await expect(dialog.getByLabel('Bob Keller')).toBeVisible();
  await expect(dialog.getByLabel('Carol Dupont')).toHaveCount(0);
  await dialog.getByLabel('Name').fill('Room 5');
  await dialog.getByLabel('Bob Keller').check();
  await page.screenshot({ path: test.info().outputPath('create-channel.png') });
  await dialog.getByRole('button', { name: 'Create channel' }).click();
  await expect(page.getByRole('heading', { name: 'Room 5' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Message' }).fill('First position paper is in the shared folder.');
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(page.getByRole('log').getByText('First position paper is in the shared folder.')).toBeVisible();
  await expect(page.getByText('Delivered')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('sent.png') });
});

test('wipe needs the typed name and reports receipts', async ({ page }) => {
  demo = await startDemo(100);
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.goto(demo.url);
  await page.getByRole('button', { name: /Logistics/ }).click();
  await page.getByRole('button', { name: 'Wipe…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('button', { name: 'Wipe channel' })).toBeDisabled();
  await dialog.getByLabel('Type the channel name to confirm').fill('Logistics');
  await dialog.getByRole('button', { name: 'Wipe channel' }).click();
  await expect(dialog.getByTestId('wipe-status')).toHaveText('Wiped on 2 of 3 devices — waiting for: Carol Dupont (carol-la)');
  await expect(page.getByRole('button', { name: /Logistics/ })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('wipe.png') });
});

test('the interface switches to French; markings stay as the organisation configured them', async ({ page }) => {
  demo = await startDemo(100);
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.goto(demo.url);
  await page.getByLabel('Language').selectOption('fr');
  await page.getByRole('button', { name: /Negotiation room 4/ }).click();
  await expect(page.getByText('Officieux')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Nouveau canal' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByRole('note', { name: 'SECRET' })).toHaveCount(2);
  await page.screenshot({ path: test.info().outputPath('french.png') });
});
