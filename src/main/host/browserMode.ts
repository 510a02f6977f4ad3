/**
 * Composition root of browser mode: the Node host process that serves the renderer on loopback.
 * (The engine and its API transport are attached here as they arrive.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { BrowserHost } from './BrowserHost.ts';

export interface BrowserModeOptions {
  root: string;
  profile: string;
  port?: number;
}

export interface RunningBrowserMode {
  url: string;
  host: BrowserHost;
  close(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<RunningBrowserMode> {
  const staticDir = path.join(options.root, 'dist', 'renderer');
  const host = new BrowserHost({ staticDir: fs.existsSync(staticDir) ? staticDir : undefined, port: options.port });
  const { url } = await host.listen();
  return { url, host, close: () => host.close() };
}
