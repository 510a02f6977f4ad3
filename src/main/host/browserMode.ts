/**
 * Composition root of browser mode: the Node host process that serves the renderer on loopback
 * and carries the API contract over a WebSocket to the engine of this profile, and locks that
 * engine on the host side (SessionLock) when the page goes away or sits idle.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { attachApiSocket } from './ApiSocket.ts';
import type { ApiService } from './ApiService.ts';
import { BrowserHost } from './BrowserHost.ts';
import { SessionLock, type SessionLockOptions } from './SessionLock.ts';

export interface BrowserModeOptions {
  root: string;
  profile: string;
  port?: number;
  /** The engine of this profile; without one the page loads but reports that it cannot reach it. */
  service?: ApiService;
  /** Where the built renderer is (default: ROOT/dist/renderer). */
  staticDir?: string;
  log?: Logger;
  /** Grace after the last page closed, idle check period and clock of the host-side lock (tests). */
  lock?: Pick<SessionLockOptions, 'graceMs' | 'checkEveryMs' | 'now'>;
}

export interface RunningBrowserMode {
  /** http://127.0.0.1:PORT, which opens nothing by itself. */
  origin: string;
  host: BrowserHost;
  /** A link that opens the interface once (for a browser this process drives). */
  launchUrl(): string;
  /** A 0600 page that opens the interface once, for a browser started with its path (see BrowserHost). */
  writeLaunchFile(file: string): string;
  close(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<RunningBrowserMode> {
  const staticDir = options.staticDir ?? path.join(options.root, 'dist', 'renderer');
  const host = new BrowserHost({ staticDir: fs.existsSync(staticDir) ? staticDir : undefined, port: options.port });
  const service = options.service;
  const lock = service
    ? new SessionLock({
        lock: () => service.call('lock', {}),
        idleMinutes: async () => (await service.call('getSettings', {})).autoLockMinutes,
        ...options.lock,
      })
    : undefined;
  const socket = service && lock ? attachApiSocket(host, lock.guard(service), options.log) : undefined;
  lock?.start();
  const { origin } = await host.listen();
  return {
    origin,
    host,
    launchUrl: () => host.launchUrl(),
    writeLaunchFile: (file) => host.writeLaunchFile(file),
    close: async () => {
      lock?.stop();
      await socket?.close();
      await host.close();
    },
  };
}
