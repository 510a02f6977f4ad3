/**
 * Browser mode host (DESIGN.md §3): serves the renderer on loopback to one browser window, reached
 * with a random launch token. A token is good for one exchange: it is swapped for an HttpOnly,
 * SameSite=Strict cookie and is dead from then on, so a link seen by someone else (another local
 * user, a history file) opens nothing. The token never travels in a command line: the browser is
 * pointed at a launch file only its user can read (writeLaunchFile). Every later request, including
 * the WebSocket upgrade of the API transport, must carry the cookie. Requests from anything but
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
}

const COOKIE = 'valise_session';

export class BrowserHost {
  /** Launch tokens not yet exchanged, each with the launch file that holds it (if any). */
  private readonly tokens = new Map<string, string | null>();
  private readonly server: http.Server;
  private readonly sessionSecret = crypto.randomBytes(32).toString('base64url');
  private port = 0;

  constructor(private readonly options: BrowserHostOptions = {}) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** The http server, so that the API transport can attach its WebSocket upgrade handler. */
  get httpServer(): http.Server {
    return this.server;
  }

  async listen(): Promise<{ port: number; origin: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return { port: this.port, origin: this.origin };
  }

  /** A fresh link that opens the interface once (for a browser driven by this process, e.g. tests). */
  launchUrl(): string {
    const token = crypto.randomBytes(32).toString('base64url');
    this.tokens.set(token, null);
    return `${this.origin}/?token=${token}`;
  }

  /**
   * Writes a page that opens the interface once, readable only by this user (0600, in a 0700
   * folder), and returns its path: a browser started with this path in its command line shows
   * nothing of the token to other users. The file is deleted once its token is exchanged.
   */
  writeLaunchFile(file: string): string {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.rmSync(file, { force: true });
    const url = this.launchUrl();
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.writeSync(fd, launchPage(url));
    } finally {
      fs.closeSync(fd);
    }
    this.tokens.set(new URL(url).searchParams.get('token')!, file);
    return file;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const file of this.tokens.values()) if (file) fs.rmSync(file, { force: true });
    this.tokens.clear();
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
      if (!this.redeem(offered)) return refuse(res, 403, 'Refused: this link was used already or is not from this launch of Valise. Start Valise again to open it.');
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

  /** True once per token: the token is dead from this call on. */
  private redeem(offered: string): boolean {
    for (const [token, file] of this.tokens) {
      if (safeEqual(offered, token)) {
        this.tokens.delete(token);
        if (file) fs.rmSync(file, { force: true });
        return true;
      }
    }
    return false;
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

function launchPage(url: string): string {
  const href = url.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${href}"><title>Valise</title></head>
<body><p>Opening Valise… This page works once.</p></body></html>
`;
}

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Valise</title></head>
<body><main><h1>Valise</h1><p id="status">Valise is running in browser mode. The interface has not been built yet: run <code>npm run build</code>.</p></main></body></html>
`;
