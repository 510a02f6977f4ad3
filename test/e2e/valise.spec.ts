/**
 * The end-to-end scenario in Debian Chromium against browser mode, with a real relay and
 * real engines (each with its own encrypted profile), enrolled through the API and approved by
 * the security office: Alice (lead) creates a SECRET channel with Bob — Carol (CONFIDENTIAL) is
 * not offered —, messages arrive live both ways, the off-the-record badge shows and copying is
 * blocked, Alice pauses and Bob cannot send, Alice wipes: the channel leaves Bob's window and
 * Alice sees 2 of 2 receipts. Each step leaves a screenshot in the test's output folder.
 */
import { expect, test, type Page } from '@playwright/test';
import { ensureRendererBuilt } from '../../scripts/rendererBuild.ts';
import { ROOT } from './fixtures/demoHost.ts';
import { shotForDocs } from './fixtures/docsImages.ts';
import { LiveOrg } from './fixtures/LiveOrg.ts';

const SECRET = 3;
const CONFIDENTIAL = 2;

let live: LiveOrg | undefined;

test.afterEach(async () => {
  await live?.close();
  live = undefined;
});

/** Each step's screenshot; docs/delegate.md and docs/lead.md show them (docs/images/). */
async function shot(page: Page, name: string): Promise<void> {
  await shotForDocs(page, name);
}

async function copyIsBlocked(page: Page): Promise<boolean> {
  return (await page.getByRole('log').evaluate(`(() => {
    const e = new ClipboardEvent('copy', { bubbles: true, cancelable: true });
    document.querySelector('article').dispatchEvent(e);
    return e.defaultPrevented;
  })()`)) as boolean;
}

test('lead creates a SECRET channel, messages flow live, pause blocks Bob, wipe reaches both devices', async ({ browser }) => {
  test.setTimeout(180_000);
  ensureRendererBuilt(ROOT);
  live = await LiveOrg.start();
  const sc = live.scenario;
  await sc.org.addUser('alice', { roles: ['delegate', 'lead'], clearance: SECRET, name: 'Alice Martin' });
  await sc.org.addUser('bob', { roles: ['delegate'], clearance: SECRET, name: 'Bob Keller' });
  await sc.org.addUser('carol', { roles: ['delegate'], clearance: CONFIDENTIAL, name: 'Carol Dupont' });
  const alice = await live.join('alice', 'Alice Martin');
  const bob = await live.join('bob', 'Bob Keller');
  await live.join('carol', 'Carol Dupont');

  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  await live.open(a, alice, { width: 1100, height: 700 });
  await live.open(b, bob, { width: 1100, height: 700 });

  // 1. Alice creates the channel; the picker offers Bob, never Carol.
  await a.getByRole('button', { name: 'New channel' }).click();
  const dialog = a.getByRole('dialog', { name: 'New channel' });
  await expect(dialog.getByLabel('Bob Keller')).toBeVisible();
  await expect(dialog.getByLabel('Carol Dupont')).toHaveCount(0);
  await expect(dialog.getByLabel('Classification')).toHaveValue(String(SECRET));
  await dialog.getByLabel('Name').fill('Room 4');
  await dialog.getByLabel('Bob Keller').check();
  await shot(a, '1-alice-creates-secret-channel');
  await dialog.getByRole('button', { name: 'Create channel' }).click();
  await expect(a.getByRole('heading', { name: 'Room 4' })).toBeVisible();
  await expect(a.getByRole('note', { name: 'SECRET' })).toHaveCount(2);

  // 2. Bob sees it arrive and opens it.
  await b.getByRole('button', { name: /Room 4/ }).click({ timeout: 20_000 });
  await expect(b.getByRole('note', { name: 'SECRET' })).toHaveCount(2);
  await shot(b, '2-bob-sees-channel');

  // 3. Messages both ways, live.
  await a.getByRole('textbox', { name: 'Message' }).fill('Their quota offer is 40%. Hold at 30.');
  await a.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(b.getByRole('log').getByText('Their quota offer is 40%. Hold at 30.')).toBeVisible({ timeout: 20_000 });
  await b.getByRole('textbox', { name: 'Message' }).fill('Understood, holding at 30.');
  await b.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(a.getByRole('log').getByText('Understood, holding at 30.')).toBeVisible({ timeout: 20_000 });
  await shot(a, '3-alice-live-exchange');
  await shot(b, '3-bob-live-exchange');

  // 4. Off the record: the badge shows and copying is blocked on both sides.
  for (const p of [a, b]) {
    await expect(p.getByText('Off the record')).toBeVisible();
    expect(await copyIsBlocked(p)).toBe(true);
    await expect(p.getByRole('log')).toHaveCSS('user-select', 'none');
  }
  await shot(b, '4-bob-off-the-record');

  // Channel info: both members, their devices and safety numbers, the policy.
  await b.getByRole('button', { name: 'Channel info' }).click();
  const info = b.getByRole('dialog', { name: 'Channel info' });
  await expect(info.getByText('Alice Martin')).toBeVisible();
  await expect(info.getByLabel('Safety number').first()).toHaveText(/^(\d{5} ){11}\d{5}$/);
  await shot(b, '4-bob-channel-info');
  await info.getByRole('button', { name: 'Close' }).click();

  // 5. Alice pauses; Bob has nothing to send with, and the engine refuses his send.
  await a.getByRole('button', { name: 'Pause' }).click();
  await a.getByLabel('Reason (shown to members)').fill('Possible leak, checking devices');
  await a.getByRole('button', { name: 'Pause channel' }).click();
  await expect(b.getByText('Sending is paused in this channel.')).toBeVisible({ timeout: 20_000 });
  await expect(b.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
  const channelId = (await bob.call('listChannels', {})).channels.find((c) => c.name === 'Room 4')!.id;
  await expect(bob.call('send', { channelId, text: 'sneaking one out' })).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
  await shot(b, '5-bob-paused');

  // 6. Alice wipes: the channel leaves Bob's window; Alice sees both receipts.
  await a.getByRole('button', { name: 'Wipe…' }).click();
  const wipe = a.getByRole('dialog');
  await wipe.getByLabel('Type the channel name to confirm').fill('Room 4');
  await wipe.getByRole('button', { name: 'Wipe channel' }).click();
  await expect(b.getByRole('button', { name: /Room 4/ })).toHaveCount(0, { timeout: 30_000 });
  await expect(wipe.getByTestId('wipe-status')).toHaveText('Wiped on 2 of 2 devices — complete.', { timeout: 30_000 });
  await shot(a, '6-alice-wipe-receipts');
  await shot(b, '6-bob-channel-gone');
});
