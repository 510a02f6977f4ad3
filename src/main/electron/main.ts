/**
 * Electron shell entry (composition root of the desktop process): single instance, hardened
 * session and window, the API over IPC to the engine of the chosen profile, idle auto-lock, and
 * the OS key store (safeStorage) handed to storage as the `os-keystore` key provider.
 */
import path from 'node:path';
import { app, powerMonitor, safeStorage } from 'electron';
import pino from 'pino';
import { OsKeystoreKeyProvider } from '../../storage/keys/OsKeystoreKeyProvider.ts';
import type { ApiService } from '../host/ApiService.ts';
import { composeEngine } from './composeEngine.ts';
import { IdleLock } from './IdleLock.ts';
import { electronSqliteBinding } from './nativeBinding.ts';
import { wireIpc } from './ipc.ts';
import { createMainWindow, hardenSession, lockDownContents, registerAppScheme } from './window.ts';

const log = pino({ name: 'valise-electron' });

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.enableSandbox();
  app.on('web-contents-created', (_e, contents) => lockDownContents(contents));
  void app.whenReady().then(start, (e: unknown) => {
    log.error({ err: String(e) }, 'could not start');
    app.exit(1);
  });
}

/** `--profile=NAME` (under userData) or `--profile=/absolute/folder` (a CLI profile, from npm start). */
function profileDirOf(userData: string): string {
  const arg = process.argv.find((a) => a.startsWith('--profile='));
  const name = arg ? arg.slice('--profile='.length) : 'default';
  if (path.isAbsolute(name)) return name;
  return path.join(userData, 'profiles', /^[\w-]{1,64}$/.test(name) ? name : 'default');
}

async function start(): Promise<void> {
  const appRoot = app.getAppPath();
  const rendererDir = path.join(appRoot, 'dist', 'renderer');
  hardenSession(rendererDir);
  // SQLite built for Electron's ABI (scripts/build.ts --electron); storage opens databases with
  // it as better-sqlite3's nativeBinding when this is set. Packaged builds are rebuilt in place.
  const binding = app.isPackaged ? undefined : electronSqliteBinding(appRoot);
  if (binding) process.env.VALISE_SQLITE_BINDING = binding;
  const profileDir = profileDirOf(app.getPath('userData'));
  const engine = composeEngine({ profileDir, osKeystore: () => new OsKeystoreKeyProvider(safeStorage), log });
  const service: ApiService = engine;

  const win = createMainWindow(path.join(appRoot, 'dist', 'electron', 'preload.cjs'));
  const lang = app.getLocale().startsWith('fr') ? 'fr' : 'en';
  const unwire = wireIpc(win, service, log, lang);

  let autoLockMinutes = 10;
  const refreshSettings = () =>
    service.call('getSettings', {}).then(
      (s) => (autoLockMinutes = s.autoLockMinutes),
      () => undefined,
    );
  void refreshSettings();
  const lockNow = async () => {
    await service.call('lock', {}).catch(() => undefined);
  };
  const idle = new IdleLock({
    source: { idleSeconds: () => powerMonitor.getSystemIdleTime() },
    minutes: () => autoLockMinutes,
    lock: lockNow,
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  });
  idle.start();
  service.onEvent((e) => {
    if (e.type === 'locked') idle.unlocked();
  });
  powerMonitor.on('lock-screen', () => void lockNow());
  powerMonitor.on('suspend', () => void lockNow());

  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => {
    idle.stop();
    unwire();
    void engine.close().finally(() => app.quit());
  });
}
