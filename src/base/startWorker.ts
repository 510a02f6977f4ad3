/**
 * Starts a worker thread from a module beside the caller: `name` without extension. Run from the
 * repository (tests, `npm start`) the sources are TypeScript, so the worker registers tsx's loader
 * for itself first; a bundled build (scripts/build.ts) has `name.js` beside the bundled main.
 */
import { Worker } from 'node:worker_threads';

export function startWorker(callerUrl: string, name: string, workerData?: unknown): Worker {
  const fromSources = callerUrl.endsWith('.ts');
  const url = new URL(`./${name}${fromSources ? '.ts' : '.js'}`, callerUrl);
  const options = workerData === undefined ? {} : { workerData };
  return fromSources
    ? new Worker(`import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`, { eval: true, ...options })
    : new Worker(url, options);
}

export interface WorkerHandlers<M> {
  workerData?: unknown;
  /** Each message the worker posts. */
  onMessage(message: M): void;
  /** The worker could not start, failed or exited: the caller falls back to doing without it. */
  onLost(): void;
}

/**
 * Starts an accelerating worker that the caller can do without: unreferenced (it never keeps the
 * process alive), with `onLost` called when it cannot start, fails or exits. Returns null when it
 * could not start (after `onLost`).
 */
export function startWorkerOrFallBack<M>(callerUrl: string, name: string, h: WorkerHandlers<M>): Worker | null {
  try {
    const w = startWorker(callerUrl, name, h.workerData);
    w.unref();
    w.on('message', (m: M) => h.onMessage(m));
    w.on('error', () => h.onLost());
    w.on('exit', () => h.onLost());
    return w;
  } catch {
    h.onLost();
    return null;
  }
}
