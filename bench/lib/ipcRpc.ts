/**
 * Calls in both directions between a benchmark and its child process over Node's IPC channel:
 * each side registers handlers and may call the other's. Errors travel back as messages.
 */
import type { ChildProcess } from 'node:child_process';

type Handler = (args: never) => unknown;
type Wire =
  | { rpc: 'call'; id: number; op: string; args: unknown }
  | { rpc: 'reply'; id: number; result?: unknown; error?: string };

interface Port {
  send(m: Wire): void;
  on(event: 'message', f: (m: unknown) => void): void;
}

export class IpcRpc {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly port: Port,
    private readonly handlers: Record<string, Handler> = {},
  ) {
    port.on('message', (raw) => void this.receive(raw as Wire));
  }

  /** The parent's end, on a child started with an IPC channel. */
  static toChild(child: ChildProcess, handlers: Record<string, Handler> = {}): IpcRpc {
    return new IpcRpc({ send: (m) => child.send(m), on: (e, f) => child.on(e, f) }, handlers);
  }

  /** The child's end. */
  static toParent(handlers: Record<string, Handler>): IpcRpc {
    if (!process.send) throw new Error('started without an IPC channel');
    return new IpcRpc({ send: (m) => process.send!(m), on: (e, f) => process.on(e, f) }, handlers);
  }

  call<T>(op: string, args: unknown = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.send({ rpc: 'call', id, op, args });
    });
  }

  private async receive(m: Wire): Promise<void> {
    if (m.rpc === 'reply') {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
      return;
    }
    const h = this.handlers[m.op];
    try {
      if (!h) throw new Error(`unknown operation ${m.op}`);
      this.port.send({ rpc: 'reply', id: m.id, result: (await h(m.args as never)) ?? null });
    } catch (e) {
      this.port.send({ rpc: 'reply', id: m.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
