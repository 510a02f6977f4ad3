/**
 * `npm run build [-- --electron]`: the renderer with Vite into dist/renderer, and the Electron
 * bundles with esbuild: dist/main/electron/main.js (ESM, native packages left external) with the
 * storage checkpoint worker beside it, and
 * dist/electron/preload.cjs (CommonJS, as a sandboxed preload must be). With --electron it also
 * builds the SQLite module for Electron's ABI into .native/ (the Node build in node_modules stays
 * for `npm test`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { buildRenderer } from './rendererBuild.ts';

const root = path.resolve(import.meta.dirname, '..');
const NATIVE = ['electron', 'better-sqlite3-multiple-ciphers', '@signalapp/libsignal-client', 'pkcs11js', '@node-rs/argon2', 'pino', 'ws'];

/** One esbuild bundle for Node: ESM unless said otherwise, with `external` left to node_modules. */
function bundle(entry: string, outfile: string, external: string[], format: 'esm' | 'cjs' = 'esm') {
  return build({
    entryPoints: [path.join(root, entry)],
    outfile: path.join(root, outfile),
    bundle: true,
    platform: 'node',
    format,
    target: 'node22',
    external,
    logLevel: 'warning',
  });
}

export async function buildElectron(): Promise<void> {
  await bundle('src/main/electron/main.ts', 'dist/main/electron/main.js', NATIVE);
  // The storage's checkpoint worker runs in its own thread, from its own file beside main.js.
  await bundle('src/storage/checkpointWorker.ts', 'dist/main/electron/checkpointWorker.js', NATIVE);
  // Sender-key decryption during a catch-up, likewise.
  await bundle('src/crypto/groupDecryptThread.ts', 'dist/main/electron/groupDecryptThread.js', NATIVE);
  await bundle('src/main/electron/preload.ts', 'dist/electron/preload.cjs', ['electron'], 'cjs');
}

/** SQLite for Electron's ABI in .native/, leaving node_modules (Node's ABI) untouched. */
export function buildNativeForElectron(): boolean {
  const target = path.join(root, '.native');
  const pkg = path.join(root, 'node_modules', 'better-sqlite3-multiple-ciphers');
  const out = path.join(target, 'better-sqlite3-multiple-ciphers');
  if (fs.existsSync(path.join(out, 'build', 'Release', 'better_sqlite3.node'))) return true;
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  fs.cpSync(pkg, out, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) });
  const electronVersion = (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', '@electron', 'rebuild', 'lib', 'cli.js'), '--version', electronVersion, '--module-dir', out, '--only', 'better-sqlite3-multiple-ciphers', '--force'], { cwd: root, stdio: 'inherit' });
  return r.status === 0;
}

if (process.argv[1] === import.meta.filename) {
  buildRenderer(root);
  await buildElectron();
  if (process.argv.includes('--electron') && !buildNativeForElectron()) {
    console.error('Could not build SQLite for Electron (needs Electron headers); the Electron run will not open profiles.');
    process.exit(1);
  }
}
