/**
 * The engine process is SIGKILLed at random points during a catch-up, 20 times; after the last
 * restart every message is present exactly once (the receive transaction + dedupe marker + ack
 * ordering of DESIGN.md §6).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { PASSPHRASE, Scenario } from './harness.ts';

const CHILD = path.resolve(import.meta.dirname, 'syncChild.ts');
const KILLS = 20;
const PER_ROUND = 150;
const TOTAL = 1 + KILLS * PER_ROUND;

let sc: Scenario;
afterEach(async () => sc?.stop());

function child(dir: string, channelId: string): { p: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, PASSPHRASE, channelId, String(TOTAL)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { p, out: () => out, exited };
}

describe('crash safety', () => {
  it(`SIGKILL during sync ${KILLS} times loses nothing and duplicates nothing`, async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');
    const ch = await alice.call('createChannel', { name: 'Crash', classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'warm-up' });
    await bob.waitText('warm-up');
    await bob.engine.close();

    let sent = 1;
    let killedWhileSyncing = 0;
    for (let k = 0; k < KILLS; k++) {
      // A fresh backlog for each round, so every kill lands in a catch-up.
      for (let i = 0; i < PER_ROUND; i++) void alice.call('send', { channelId: ch.id, text: `msg ${sent++}` });
      await alice.engine.current!.outboxIdle;
      const c = child(bob.dir, ch.id);
      const deadline = Date.now() + 20_000;
      while (!c.out().includes('online') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.random() * 120));
      c.p.kill('SIGKILL');
      await c.exited;
      const stored = [...c.out().matchAll(/stored (\d+)/g)].map((m) => Number(m[1]));
      if (c.out().includes('online') && (stored.at(-1) ?? 0) < sent) killedWhileSyncing++;
    }
    const last = child(bob.dir, ch.id);
    const code = await Promise.race([last.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000))]);
    if (code === 'timeout') last.p.kill('SIGKILL');
    expect(code, last.out()).toBe(0);
    expect(killedWhileSyncing).toBeGreaterThanOrEqual(KILLS / 2);

    const again = await sc.restart(bob);
    const texts: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await again.call('listMessages', { channelId: ch.id, limit: 500, ...(before ? { before } : {}) });
      texts.push(...page.messages.map((m) => m.text));
      if (!page.nextCursor) break;
      before = page.nextCursor;
    }
    expect(texts.length).toBe(TOTAL);
    expect(new Set(texts).size).toBe(TOTAL);
  }, 400_000);
});
