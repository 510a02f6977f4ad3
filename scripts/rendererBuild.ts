/**
 * Builds the renderer with Vite when dist/renderer is missing or older than any source it is
 * made from (src/renderer, src/shared, vite.config.ts), so `npm start` and the browser tests
 * never serve a stale interface.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

export function rendererIsStale(root: string): boolean {
  const built = path.join(root, 'dist', 'renderer', 'index.html');
  if (!fs.existsSync(built)) return true;
  const sources = [path.join(root, 'src', 'renderer'), path.join(root, 'src', 'shared'), path.join(root, 'vite.config.ts')].filter((p) => fs.existsSync(p));
  return Math.max(...sources.map(newestMtime)) > fs.statSync(built).mtimeMs;
}

export function buildRenderer(root: string, quiet = false): void {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', quiet ? 'error' : 'info'], {
    cwd: root,
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  });
  if (r.status !== 0) throw new Error('The renderer build failed (see the output above).');
}

export function ensureRendererBuilt(root: string, quiet = true): void {
  if (rendererIsStale(root)) buildRenderer(root, quiet);
}
