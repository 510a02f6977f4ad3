/**
 * Interface benchmarks in Debian Chromium over the real browser-mode transport (BrowserHost +
 * WebSocket + the built renderer), with the demo engine of test/e2e/fixtures serving the contract
 * so that the figures measure the interface, not crypto or SQL:
 *  - open a channel holding 100k messages: click → first paint of its newest messages;
 *  - scroll through 10k messages (older pages load on the way): share of dropped frames;
 *  - start browser mode with 1M messages behind the engine: launch → channel list interactive;
 *  - the same on a real engine whose encrypted profile holds 1M messages in one channel:
 *    open the engine, unlock, serve, load the page, open the channel at its newest message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { Engine } from '../src/main/engine/Engine.ts';
import { startRelay } from '../src/server/startRelay.ts';
import { startBrowserMode } from '../src/main/host/browserMode.ts';
import { DEFAULT_POLICY } from '../src/shared/model/policy.ts';
import { openProfile, PassphraseKeyProvider } from '../src/storage/index.ts';
import { ROOT } from '../test/e2e/fixtures/demoHost.ts';
import { FAST_ARGON2 } from '../test/scenarios/harness.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';
import { startDemo } from '../test/e2e/fixtures/demoHost.ts';
import type { Figure } from './lib/report.ts';

const RUNS = 5;



function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Clicks a channel, then waits for its newest message to be in the DOM and painted. The page code
 * is passed as text: tsx would otherwise inject helpers the page does not have.
 */
async function timedOpen(page: Page, channelName: string, newest: string): Promise<number> {
  return (await page.evaluate(`new Promise((resolve) => {
    const button = [...document.querySelectorAll('button[data-channel]')].find((b) => b.textContent.includes(${JSON.stringify(channelName)}));
    const start = performance.now();
    const obs = new MutationObserver(() => {
      if (!document.body.textContent.includes(${JSON.stringify(newest)})) return;
      obs.disconnect();
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
    });
    obs.observe(document.body, { childList: true, subtree: true, characterData: true });
    button.click();
  })`)) as number;
}

/** Scrolls the message list upwards frame by frame until `target` messages went past. */
async function scrollThrough(page: Page, target: number, newestIndex: number): Promise<{ frames: number; dropped: number; reached: number }> {
  return (await page.evaluate(`new Promise((resolve) => {
    const el = document.querySelector('[role=log]');
    const gaps = [];
    let last = performance.now();
    const lowest = () => {
      const m = el.querySelector('article')?.textContent.match(/[(]#([0-9]+)[)]/);
      return m ? Number(m[1]) : Infinity;
    };
    const step = () => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      el.scrollTop -= 900;
      const reached = ${newestIndex} - lowest();
      if (reached >= ${target} || gaps.length > 20000) {
        // A frame is dropped when it took longer than 1.5 periods of 60 Hz.
        const frames = gaps.slice(1);
        resolve({ frames: frames.length, dropped: frames.filter((g) => g > 25).length, reached });
        return;
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  })`)) as { frames: number; dropped: number; reached: number };
}

const PASSPHRASE = 'bench passphrase, long enough';

/** A real profile (local organisation, one recorded channel) with `n` messages written to it. */
async function realProfile(n: number): Promise<{ dir: string; channelName: string; lastText: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-ui-bench-'));
  const engine = new Engine({ startRelay, profileDir: dir, keyProviders: { argon2: FAST_ARGON2 } });
  try {
    await engine.handle('startLocalOrganisation', { orgName: 'Bench', displayName: 'Alice', keyProvider: 'passphrase', passphrase: PASSPHRASE });
    const deadline = Date.now() + 30_000;
    while (((await engine.handle('status', {})) as { connection: string }).connection !== 'online' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const channel = (await engine.handle('createChannel', { name: 'Archive', classification: 0, memberUserIds: [], policy: { ...DEFAULT_POLICY }, direct: false })) as { id: string };
    const me = ((await engine.handle('status', {})) as { me: { userId: string } }).me.userId;
    await engine.close();
    // Written straight through storage's public API: the same encrypted rows the engine writes
    // on receive, a million times faster than sending them through a relay.
    const store = await openProfile(dir, new PassphraseKeyProvider(PASSPHRASE, FAST_ARGON2));
    try {
      const t0 = Date.now() - n * 1000;
      for (let i = 0; i < n; ) {
        const end = Math.min(n, i + 5000);
        store.transaction((repos) => {
          for (; i < end; i++) repos.messages.insert({ id: `b${i}`, channelId: channel.id, sender: me, sentAt: t0 + i * 1000, receivedAt: t0 + i * 1000, text: `Archived line ${i + 1} of the talks record` });
        });
      }
    } finally {
      store.close();
    }
    return { dir, channelName: 'Archive', lastText: `Archived line ${n} of the talks record` };
  } finally {
    await engine.close();
  }
}

async function realStartMs(browser: Browser, dir: string, channelName: string, lastText: string): Promise<number> {
  const t0 = performance.now();
  const engine = new Engine({ startRelay, profileDir: dir, keyProviders: { argon2: FAST_ARGON2 } });
  const host = await startBrowserMode({ root: ROOT, profile: 'bench', service: engine });
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  try {
    await page.goto(host.launchUrl());
    await page.getByLabel('Passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('button', { name: new RegExp(channelName) }).click();
    await page.getByText(lastText).waitFor();
    return performance.now() - t0;
  } finally {
    await page.close();
    await host.close();
    await engine.close();
  }
}

export async function run(): Promise<Figure[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const figures: Figure[] = [];
  try {
    // 1. Open a 100k-message channel.
    const demo = await startDemo(100_000);
    const opens: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await page.goto(demo.url);
      await page.getByRole('button', { name: /Logistics/ }).click();
      await page.getByText('(#12)').waitFor();
      opens.push(await timedOpen(page, 'Delegation coordination', '(#100000)'));
      await page.close();
    }
    figures.push({ name: 'open a channel of 100k messages: click to first paint (median of 5)', value: median(opens), unit: 'ms', target: '< 150 ms' });

    // 2. Scroll through 10k messages, upwards from the newest, loading older pages on the way.
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(demo.url);
    await page.getByRole('button', { name: /Delegation coordination/ }).click();
    await page.getByText('(#100000)').waitFor();
    const scroll = await scrollThrough(page, 10_000, 100_000);
    figures.push({ name: `scroll through ${scroll.reached.toLocaleString('en-US')} messages: dropped frames (${scroll.frames} frames)`, value: Math.round((scroll.dropped / Math.max(1, scroll.frames)) * 1000) / 10, unit: '%', target: '< 5 %' });
    await page.close();
    await demo.close();

    // 3. Start browser mode with 1M messages behind the engine, until the channel list answers.
    const starts: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const big = await startDemo(1_000_000);
      const p = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await p.goto(big.url);
      await p.getByRole('button', { name: /Delegation coordination/ }).click();
      await p.getByText('(#1000000)').waitFor();
      starts.push(performance.now() - t0);
      await p.close();
      await big.close();
    }
    figures.push({ name: 'start browser mode, demo engine with 1M messages: launch to interactive channel (median of 5)', value: median(starts), unit: 'ms', target: '< 2 s' });

    // 4. The real thing: an encrypted profile with 1M messages.
    const size = Number(process.env.VALISE_UI_BENCH_PROFILE_MESSAGES ?? 1_000_000);
    const profile = await realProfile(size);
    try {
      const real: number[] = [];
      for (let i = 0; i < 3; i++) real.push(await realStartMs(browser, profile.dir, profile.channelName, profile.lastText));
      figures.push({ name: `start browser mode on a real profile of ${size.toLocaleString('en-US')} messages: engine open, unlock, channel at newest (median of 3)`, value: median(real), unit: 'ms', target: '< 2 s' });
    } finally {
      fs.rmSync(profile.dir, { recursive: true, force: true });
    }
  } finally {
    await browser.close();
  }
  return figures;
}
