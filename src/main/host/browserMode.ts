/**
 * Composition root of browser mode: the Node host process that serves the renderer on loopback
 * and carries the API contract over a WebSocket to the engine of this profile.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { attachApiSocket } from './ApiSocket.ts';
import type { ApiService } from './ApiService.ts';
import { BrowserHost } from './BrowserHost.ts';

export interface BrowserModeOptions {
  root: string;
  profile: string;
  port?: number;
  /** The engine of this profile; without one the page loads but reports that it cannot reach it. */
  service?: ApiService;
  /** Where the built renderer is (default: ROOT/dist/renderer). */
  staticDir?: string;
  log?: Logger;
}

export interface RunningBrowserMode {
  url: string;
  host: BrowserHost;
  close(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<RunningBrowserMode> {
  const staticDir = options.staticDir ?? path.join(options.root, 'dist', 'renderer');
  const host = new BrowserHost({ staticDir: fs.existsSync(staticDir) ? staticDir : undefined, port: options.port });
  const socket = options.service ? attachApiSocket(host, options.service, options.log) : undefined;
  const { url } = await host.listen();
  return {
    url,
    host,
    close: async () => {
      await socket?.close();
      await host.close();
    },
  };
}
