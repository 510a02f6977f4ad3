/**
 * The parent's handle on bench/lib/orgChild.ts: the relay, the security office and the sending
 * engine in a child process, so that only the receiving engine runs in the benchmark's process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { IpcRpc } from './ipcRpc.ts';

const CHILD = path.resolve(import.meta.dirname, 'orgChild.ts');

export class RemoteOrg {
  private constructor(
    private readonly child: ChildProcess,
    private readonly rpc: IpcRpc,
    readonly orgJson: string,
  ) {}

  /** Starts the child; `deviceCode(requestId)` reads the comparison code the joining device shows. */
  static async start(o: { maxQueueDepth: number; deviceCode: (requestId: string) => Promise<string> }): Promise<RemoteOrg> {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`benchmark child exited (${code})`)));
    });
    const rpc = IpcRpc.toChild(child, { deviceCode: ({ requestId }: { requestId: string }) => o.deviceCode(requestId) });
    await ready;
    const { orgJson } = await rpc.call<{ orgJson: string }>('setup', { maxQueueDepth: o.maxQueueDepth });
    return new RemoteOrg(child, rpc, orgJson);
  }

  approve(requestId: string): Promise<void> {
    return this.rpc.call('approve', { requestId });
  }

  createChannel(name: string, members: string[]): Promise<string> {
    return this.rpc.call('createChannel', { name, members });
  }

  /** Alice sends one message; resolves once it is in her outbox. */
  send(channelId: string, text: string): Promise<void> {
    return this.rpc.call('send', { channelId, text });
  }

  /** Alice sends `n` messages; resolves once the relay has queued all of them. */
  queue(channelId: string, n: number, text: string): Promise<void> {
    return this.rpc.call('queue', { channelId, n, text });
  }

  wipe(channelId: string, name: string): Promise<void> {
    return this.rpc.call('wipe', { channelId, name });
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.rpc.call('stop').catch(() => undefined);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
