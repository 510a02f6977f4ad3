/**
 * The relay as its own process (`src/server/main.ts`), for scenarios that kill it with SIGKILL and
 * start it again on the same port and data directory. `attach` puts it under a Scenario's
 * organisation, so engines join it as usual.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RunningRelay } from '../../src/server/startRelay.ts';
import { orgJson, type Scenario } from './harness.ts';

const root = path.resolve(import.meta.dirname, '../..');

export class RelayChild {
  private proc: ChildProcess | null = null;
  url = '';
  port = 0;

  constructor(
    private readonly orgFile: string,
    private readonly dataDir: string,
  ) {}

  /** Starts the relay (on the port it had before, if any) and resolves once it serves. */
  async start(): Promise<void> {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/main.ts'), '--org', this.orgFile, '--port', String(this.port), '--data-dir', this.dataDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.proc = p;
    this.url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('relay did not start')), 30_000);
      let buf = '';
      p.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
      p.stdout!.on('data', (b: Buffer) => {
        buf += b.toString();
        for (;;) {
          const nl = buf.indexOf('\n');
          if (nl < 0) break;
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const o = JSON.parse(line) as { msg?: string; url?: string };
          if (o.msg === 'relay ready' && o.url) {
            clearTimeout(t);
            resolve(o.url);
          }
        }
      });
    });
    this.port = Number(new URL(this.url).port);
  }

  /** SIGKILL: no drain, no goodbye; resolves once the process is gone. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await gone;
    this.proc = null;
  }

  /** A relay process for the scenario's organisation; the scenario's admin client is connected to it. */
  static async attach(sc: Scenario, dir: string): Promise<RelayChild> {
    const orgFile = path.join(dir, 'org.json');
    const org = sc.org as unknown as { relay: RunningRelay };
    org.relay = { url: 'ws://127.0.0.1:1', port: 1 } as RunningRelay;
    fs.writeFileSync(orgFile, orgJson(sc.org));
    const relay = new RelayChild(orgFile, path.join(dir, 'relay-data'));
    await relay.start();
    org.relay = { url: relay.url, port: relay.port, close: () => relay.kill() } as unknown as RunningRelay;
    sc.org.admin = await sc.org.adminClient();
    return relay;
  }
}
