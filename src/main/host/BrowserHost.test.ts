import http from 'node:http';
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
    const r = await get(`http://127.0.0.1:${port}/?token=wrong`);
    expect(r.status).toBe(403);
  });

  it('swaps the token for an HttpOnly cookie and serves the page with a strict CSP', async () => {
    host = new BrowserHost();
    const { url, port } = await host.listen();
    const first = await get(url);
    expect(first.status).toBe(303);
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(host.token);
    const page = await get(`http://127.0.0.1:${port}/`, { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Valise');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    host = new BrowserHost();
    const { url } = await host.listen();
    const r = await get(url, { host: 'evil.example:80' });
    expect(r.status).toBe(403);
  });
});
