/**
 * Interface benchmarks in Debian Chromium over the real browser-mode transport (BrowserHost +
 * WebSocket + the built renderer), with the demo engine of test/e2e/fixtures serving the contract
 * so that the figures measure the interface, not crypto or SQL:
 *  - open a channel holding 100k messages: click → first paint of its newest messages;
 *  - scroll through 10k messages (older pages load on the way): share of dropped frames;
 *  - start browser mode with 1M messages behind the engine: launch → channel list interactive.
 */
import { chromium, type Page } from '@playwright/test';
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
    figures.push({ name: 'start browser mode with 1M messages: launch to interactive channel (median of 5)', value: median(starts), unit: 'ms', target: '< 2 s' });
  } finally {
    await browser.close();
  }
  return figures;
}
