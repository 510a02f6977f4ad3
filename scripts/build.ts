/**
 * `npm run build`: the renderer with Vite into dist/renderer. (The Electron main and preload
 * bundles are added by the desktop shell.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
if (fs.existsSync(path.join(root, 'src', 'renderer', 'index.html'))) {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
} else {
  console.log('No renderer yet (src/renderer/index.html); nothing to build.');
}
