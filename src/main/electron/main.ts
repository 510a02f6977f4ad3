/**
 * Electron shell entry: the thin layer that owns windows, the preload and IPC wiring. Everything
 * else runs in plain Node (src/main/engine) and is tested without Electron.
 */
import { app } from 'electron';

app.whenReady().then(() => {
  app.quit();
});
