/**
 * Builds the engine of one profile for the desktop process, handing it the Electron-specific
 * pieces: the OS key store (safeStorage) as the `os-keystore` key provider, and the relay's
 * `startRelay` for a local organisation (the one place in src/main allowed to import the server).
 */
import fs from 'node:fs';
import type { Logger } from 'pino';
import { startRelay } from '../../server/startRelay.ts';
import type { KeyProvider } from '../../storage/keys/KeyProvider.ts';
import { Engine } from '../engine/Engine.ts';
import type { ApiService } from '../host/ApiService.ts';
import { captureProtectionEffective } from './contentProtection.ts';

export interface ComposeOptions {
  profileDir: string;
  osKeystore: () => KeyProvider;
  log: Logger;
}

export function composeEngine(o: ComposeOptions): ApiService & { close(): Promise<void> } {
  fs.mkdirSync(o.profileDir, { recursive: true, mode: 0o700 });
  return new Engine({ profileDir: o.profileDir, logger: o.log, keyProviders: { osKeystore: o.osKeystore }, startRelay, captureProtection: captureProtectionEffective(process.platform) });
}
