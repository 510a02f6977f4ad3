/**
 * Browser mode host (DESIGN.md §3): serves the renderer on loopback to one browser window, reached
 * with a random per-launch token. The token arrives once in the URL, is swapped for an HttpOnly,
 * SameSite=Strict cookie and stripped from the address bar. Every later request, including the
 * WebSocket upgrade of the API transport, must carry that cookie. Requests from anything but
 * loopback, or naming another Host (DNS rebinding), are refused.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { contentTypeOf, HTML_TYPE } from './contentTypes.ts';

export interface BrowserHostOptions {
  /** Folder with the built renderer (index.html and assets); a placeholder page is served without it. */
  staticDir?: string;
  port?: number;
  /** Fixed token for tests; a random 32-byte token otherwise. */
  token?: string;
}

const COOKIE = 'valise_session';

export class BrowserHost {
  readonly token: string;
  private readonly server: http.Server;
  private readonly sessionSecret = crypto.randomBytes(32).toString('base64url');
  private port = 0;

  constructor(private readonly options: BrowserHostOptions = {}) {
    this.token = options.token ?? crypto.randomBytes(32).toString('base64url');
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** The http server, so that the API transport can attach its WebSocket upgrade handler. */
  get httpServer(): http.Server {
    return this.server;
  }

  async listen(): Promise<{ port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return { port: this.port, url: `${this.origin}/?token=${this.token}` };
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** True when the request comes from loopback, names our origin and carries the session cookie. */
  isAuthorised(req: http.IncomingMessage): boolean {
    return this.isLoopbackForUs(req) && safeEqual(readCookie(req, COOKIE), this.sessionSecret);
  }

  /** For WebSocket upgrades: additionally the Origin must be ours (no cross-site WebSocket). */
  isAuthorisedUpgrade(req: http.IncomingMessage): boolean {
    return this.isAuthorised(req) && req.headers.origin === this.origin;
  }

  private isLoopbackForUs(req: http.IncomingMessage): boolean {
    const remote = req.socket.remoteAddress ?? '';
    const loopback = remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1';
    return loopback && req.headers.host === `127.0.0.1:${this.port}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.origin);
    if (!this.isLoopbackForUs(req)) return refuse(res, 403, 'Refused: Valise answers only on its own loopback address.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      if (!safeEqual(offered, this.token)) return refuse(res, 403, 'Refused: this link is not valid for this launch of Valise.');
      res.writeHead(303, {
        location: '/',
        'set-cookie': `${COOKIE}=${this.sessionSecret}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      res.end();
      return;
    }
    if (!this.isAuthorised(req)) return refuse(res, 403, 'Refused: open Valise with the link printed when it started.');
    this.serveStatic(url.pathname, res);
  }

  private serveStatic(pathname: string, res: http.ServerResponse): void {
    const dir = this.options.staticDir;
    if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
      return send(res, 200, HTML_TYPE, PLACEHOLDER);
    }
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.resolve(dir, rel);
    if (!file.startsWith(path.resolve(dir) + path.sep)) return refuse(res, 404, 'Not found.');
    // Paths that are not files are the interface's own routes: they get the interface.
    const served = fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(dir, 'index.html');
    let body: Buffer;
    try {
      body = fs.readFileSync(served);
    } catch {
      return refuse(res, 404, 'Not found.');
    }
    send(res, 200, contentTypeOf(served), body);
  }
}

/** A restrictive CSP for everything we serve: no remote content, no inline script. */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  });
  res.end(body);
}

function refuse(res: http.ServerResponse, status: number, message: string): void {
  send(res, status, 'text/plain; charset=utf-8', message + '\n');
}

function readCookie(req: http.IncomingMessage, name: string): string {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return '';
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Valise</title></head>
<body><main><h1>Valise</h1><p id="status">Valise is running in browser mode. The interface has not been built yet: run <code>npm run build</code>.</p></main></body></html>
`;
