/**
 * The Electron shell end to end with Playwright's `_electron` API. It runs where an Electron
 * binary is present (`node_modules/electron/dist`); on machines where it cannot be downloaded the
 * browser-mode tests cover the same renderer and the shell's rules are unit-tested. Spectron is
 * not used: it has been unmaintained since 2022 and does not support current Electron.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { ROOT } from './fixtures/demoHost.ts';

function electronBinary(): string | null {
  const dir = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const bin = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(bin) ? bin : null;
}

const binary = electronBinary();

if (binary) {
  test('the Electron window is isolated, sandboxed, and refuses navigation and new windows', async () => {
    test.setTimeout(120_000);
    const { buildElectron } = await import('../../scripts/build.ts');
    const { ensureRendererBuilt } = await import('../../scripts/rendererBuild.ts');
    ensureRendererBuilt(ROOT);
    await buildElectron();
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-electron-'));
    const app = await electron.launch({ executablePath: binary, args: [ROOT, '--profile=e2e', `--user-data-dir=${userData}`, '--no-sandbox'], cwd: ROOT });
    try {
      const win = await app.firstWindow();
      await expect(win.getByText('Valise').first()).toBeVisible();
      // The page has no Node and sees only the preload's narrow bridge.
      expect(await win.evaluate('typeof require')).toBe('undefined');
      expect(await win.evaluate('typeof process')).toBe('undefined');
      expect(await win.evaluate('Object.keys(window.valise).sort().join(",")')).toBe('onFrame,send,showing');
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const w = BrowserWindow.getAllWindows()[0]!;
        const p = (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null }).getLastWebPreferences();
        return { contextIsolation: p?.contextIsolation, sandbox: p?.sandbox, nodeIntegration: p?.nodeIntegration, webSecurity: p?.webSecurity };
      });
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
      const before = win.url();
      await win.evaluate('location.href = "https://example.org/"').catch(() => undefined);
      await win.evaluate('window.open("https://example.org/")');
      await new Promise((r) => setTimeout(r, 500));
      expect(win.url()).toBe(before);
      expect(app.windows()).toHaveLength(1);
      await win.screenshot({ path: test.info().outputPath('electron.png') });
    } finally {
      await app.close();
      fs.rmSync(userData, { recursive: true, force: true });
    }
  });
}
