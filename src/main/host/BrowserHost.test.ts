import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BrowserHost } from './BrowserHost.ts';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('BrowserHost', () => {
  let host: BrowserHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('refuses requests without the token', async () => {
    host = new BrowserHost();
    const { port } = await host.listen();
    const r = await get(`http://127.0.0.1:${port}/`);
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('Valise is running');
  });

  it('refuses a wrong token', async () => {
    host = new BrowserHost();
    const { port } = await host.listen();
    host.launchUrl();
    const r = await get(`http://127.0.0.1:${port}/?token=wrong`);
    expect(r.status).toBe(403);
  });

  it('swaps the token for an HttpOnly cookie and serves the page with a strict CSP', async () => {
    host = new BrowserHost();
    const { port } = await host.listen();
    const url = host.launchUrl();
    const first = await get(url);
    expect(first.status).toBe(303);
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(new URL(url).searchParams.get('token'));
    const page = await get(`http://127.0.0.1:${port}/`, { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Valise');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    host = new BrowserHost();
    await host.listen();
    const r = await get(host.launchUrl(), { host: 'evil.example:80' });
    expect(r.status).toBe(403);
  });

  it('writes the launch page for this user only and deletes it once used', async () => {
    host = new BrowserHost();
    await host.listen();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-launch-'));
    try {
      const file = host.writeLaunchFile(path.join(dir, 'launch', 'open.html'));
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      const link = /url=([^"]+)"/.exec(fs.readFileSync(file, 'utf8'))![1]!.replaceAll('&amp;', '&');
      expect((await get(link)).status).toBe(303);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
