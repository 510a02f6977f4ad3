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
