/**
 * Builds the engine of one profile for the desktop process. The engine's own composition root
 * lives in src/main/engine; this adapter hands it the Electron-specific pieces (the os-keystore
 * key provider, the SQLite module built for Electron's ABI).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { KeyProvider } from '../../storage/keys/KeyProvider.ts';
import type { ApiService } from '../host/ApiService.ts';
import { electronSqliteBinding } from './nativeBinding.ts';

export interface ComposeOptions {
  profileDir: string;
  keyProvider: KeyProvider;
  appRoot: string;
  log: Logger;
}

export async function composeEngine(o: ComposeOptions): Promise<ApiService> {
  fs.mkdirSync(o.profileDir, { recursive: true, mode: 0o700 });
  const nativeBinding = electronSqliteBinding(o.appRoot);
  // The engine module is loaded by path so that the shell bundle stays a thin adapter.
  const engine = (await import(path.join(o.appRoot, 'dist', 'electron', 'engine.js'))) as {
    createEngineService(opts: { profileDir: string; keyProvider: KeyProvider; nativeBinding?: string; log: Logger }): Promise<ApiService>;
  };
  return engine.createEngineService({ profileDir: o.profileDir, keyProvider: o.keyProvider, nativeBinding, log: o.log });
}
