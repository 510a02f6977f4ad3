import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiEvent } from '../../shared/api/events.ts';
import { ApiError } from '../../shared/api/errors.ts';
import { attachApiSocket, type ApiSocket } from './ApiSocket.ts';
import { BrowserHost } from './BrowserHost.ts';

let host: BrowserHost | undefined;
let socket: ApiSocket | undefined;
afterEach(async () => {
  await socket?.close();
  await host?.close();
  host = socket = undefined;
});

/** Exchanges the token for the session cookie, as the browser does. */
async function sessionCookie(url: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve(String(res.headers['set-cookie']).split(';')[0]!);
    }).on('error', reject);
  });
}

function listeners() {
  const set = new Set<(e: ApiEvent) => void>();
  return { set, onEvent: (l: (e: ApiEvent) => void) => (set.add(l), () => set.delete(l)) };
}

const STATUS = { state: 'no-profile', keyProvider: null, org: null, me: null, connection: 'offline' };

async function start() {
  host = new BrowserHost();
  const { port } = await host.listen();
  const url = host.launchUrl();
  const events = listeners();
  socket = attachApiSocket(host, {
    call: async (method) => {
      if (method === 'status') return STATUS as never;
      throw new ApiError('CHANNEL_PAUSED');
    },
    onEvent: events.onEvent,
  });
  return { url, port, events, origin: host.origin };
}

function open(port: number, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextFrame(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
}

describe('browser-mode API socket', () => {
  it('refuses an upgrade without the session cookie', async () => {
    const { port, origin } = await start();
    await expect(open(port, { origin })).rejects.toThrow('refused 403');
  });

  it('refuses an upgrade from another origin even with the cookie (cross-site WebSocket)', async () => {
    const { port, url } = await start();
    const cookie = await sessionCookie(url);
    await expect(open(port, { cookie, origin: 'http://evil.example' })).rejects.toThrow('refused 403');
  });

  it('carries calls, typed errors and events for the page that holds the cookie', async () => {
    const { port, url, origin, events } = await start();
    const ws = await open(port, { cookie: await sessionCookie(url), origin });
    ws.send(JSON.stringify({ id: 1, method: 'status', params: {} }));
    expect(await nextFrame(ws)).toEqual({ id: 1, result: STATUS });
    ws.send(JSON.stringify({ id: 2, method: 'resume', params: { channelId: 'c1' } }));
    expect(await nextFrame(ws)).toEqual({ id: 2, error: { code: 'CHANNEL_PAUSED', message: expect.stringContaining('paused') } });
    // Params are checked against the contract before the engine sees them.
    ws.send(JSON.stringify({ id: 3, method: 'status', params: { admin: true } }));
    expect(await nextFrame(ws)).toMatchObject({ id: 3, error: { code: 'BAD_REQUEST' } });
    for (const l of events.set) {
      l({ type: 'syncProgress', done: 1, total: 2 });
      l({ type: 'syncProgress', done: 2, total: 2 });
    }
    expect(await nextFrame(ws)).toEqual({ events: [{ type: 'syncProgress', done: 1, total: 2 }, { type: 'syncProgress', done: 2, total: 2 }] });
    ws.close();
  });

  it('closes a connection that sends garbage, and keeps serving others', async () => {
    const { port, url, origin } = await start();
    const cookie = await sessionCookie(url);
    const bad = await open(port, { cookie, origin });
    const closed = new Promise<number>((resolve) => bad.once('close', (code) => resolve(code)));
    bad.send('{not json');
    expect(await closed).toBe(1007);
    const good = await open(port, { cookie, origin });
    good.send(JSON.stringify({ id: 7, method: 'status' }));
    expect(await nextFrame(good)).toEqual({ id: 7, result: STATUS });
    good.close();
  });
});
