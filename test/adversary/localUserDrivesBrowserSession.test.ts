/**
 * Another user of the same machine against browser mode: it can list every process's command
 * line (/proc/PID/cmdline), read world-readable logs and connect to 127.0.0.1. It must not get a
 * usable launch token from any of them, nor replay a link already used, nor find the engine still
 * unlocked after the owner's window has closed or sat idle.
 */
import fs from 'node:fs';
import http from 'node:http';
import { Writable } from 'node:stream';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserMode, type RunningBrowserMode } from '../../src/main/host/browserMode.ts';
import { chromiumLaunch } from '../../src/main/host/chromiumLaunch.ts';
import { Scenario, until, type Node } from '../scenarios/harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
let sc: Scenario | undefined;
let running: RunningBrowserMode | undefined;
afterEach(async () => {
  await running?.close();
  await sc?.stop();
  sc = running = undefined;
});

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; cookie: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '').split(';')[0]! });
      })
      .on('error', reject);
  });
}

function openSocket(origin: string, cookie: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/api`, { headers: { cookie, origin } });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_q, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    ws.close();
  });
}

async function unlockedEngine(): Promise<Node> {
  sc = await new Scenario().start();
  await sc.user('alice', { roles: ['delegate', 'lead'] });
  return await sc.join('alice');
}

const state = async (n: Node) => (await n.call('status', {})).state;

describe('browser mode against another local user', () => {
  it('a launch link works once: replaying it opens nothing', async () => {
    running = await startBrowserMode({ root: ROOT, profile: 'adversary' });
    const link = running.launchUrl();
    const first = await get(link);
    expect(first.status).toBe(303);
    const replay = await get(link);
    expect(replay.status).toBe(403);
    expect(replay.cookie).toBe('');
  });

  it('the token is in no command line and no log line, only in a launch file its user alone can read', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const log = pino({ level: 'trace' }, sink);
    const node = await unlockedEngine();
    running = await startBrowserMode({ root: ROOT, profile: 'adversary', service: node.engine, log });
    const file = running.writeLaunchFile(path.join(node.dir, 'launch', 'open-valise.html'));
    const link = /url=([^"]+)"/.exec(fs.readFileSync(file, 'utf8'))![1]!.replaceAll('&amp;', '&');
    const token = new URL(link).searchParams.get('token')!;
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(fs.statSync(file).mode & 0o077).toBe(0);

    const { args } = chromiumLaunch('/usr/bin/chromium', file, path.join(node.dir, 'chromium'));
    expect(args.join(' ')).not.toContain(token);
    expect(args.join(' ')).toContain('open-valise.html');

    // Everything the host logs around a launch: the exchange, a replay, refused upgrades, failing calls.
    const { cookie } = await get(link);
    await get(link);
    await expect(openSocket(running.origin, '')).rejects.toThrow('refused 403');
    const ws = await openSocket(running.origin, cookie);
    ws.send(JSON.stringify({ id: 1, method: 'send', params: { channelId: 'nope', text: 'x' } }));
    await new Promise((r) => ws.once('message', r));
    await closeSocket(ws);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toContain(cookie.split('=')[1]);
  });

  it('locks the engine when the last page closes and none comes back within the grace', async () => {
    const node = await unlockedEngine();
    running = await startBrowserMode({ root: ROOT, profile: 'adversary', service: node.engine, lock: { graceMs: 300 } });
    const { cookie } = await get(running.launchUrl());
    const first = await openSocket(running.origin, cookie);
    // A reload: the page reconnects within the grace, and stays unlocked.
    await closeSocket(first);
    const reloaded = await openSocket(running.origin, cookie);
    await new Promise((r) => setTimeout(r, 500));
    expect(await state(node)).toBe('unlocked');
    // The window closes for good.
    await closeSocket(reloaded);
    await until(async () => (await state(node)) === 'locked', 5_000, 'the host locks the engine');
  });

  it('locks the engine after the idle time set in Settings, even when the page is frozen', async () => {
    const node = await unlockedEngine();
    await node.call('setSettings', { autoLockMinutes: 2 });
    let now = Date.now();
    running = await startBrowserMode({ root: ROOT, profile: 'adversary', service: node.engine, lock: { checkEveryMs: 20, now: () => now } });
    const { cookie } = await get(running.launchUrl());
    const ws = await openSocket(running.origin, cookie);
    // The page is open but runs nothing (a frozen tab): no call reaches the host.
    now += 60_000;
    await new Promise((r) => setTimeout(r, 200));
    expect(await state(node)).toBe('unlocked');
    now += 61_000;
    await until(async () => (await state(node)) === 'locked', 5_000, 'the host locks the idle engine');
    ws.close();
  });
});
