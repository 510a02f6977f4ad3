/**
 * The one application window and the session rules around it: our pages only, from our own
 * scheme, under a strict CSP; no navigation, no new windows, no permissions, no webviews.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, protocol, session, type WebContents } from 'electron';
import { contentTypeOf } from '../host/contentTypes.ts';
import { APP_ORIGIN, APP_SCHEME, CSP, isOwnUrl, resolveAppFile } from './security.ts';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, stream: true } }]);
}

export function hardenSession(rendererDir: string): void {
  const ses = session.defaultSession;
  protocol.handle(APP_SCHEME, async (req) => {
    const file = resolveAppFile(req.url, rendererDir, path.join, path.resolve, path.sep);
    if (!file || !fs.existsSync(file)) return new Response('Not found', { status: 404 });
    // Read directly (not net.fetch of file://, which the request filter below would cancel).
    const body = await fs.promises.readFile(file);
    return new Response(body, {
      status: 200,
      headers: { 'content-type': contentTypeOf(file), 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' },
    });
  });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    // Nothing leaves the app from the renderer: no remote content of any kind.
    const ok = details.url.startsWith(APP_ORIGIN + '/') || details.url.startsWith('devtools://');
    callback({ cancel: !ok });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
}

/** Applied to every web contents ever created, including any a bug might open. */
export function lockDownContents(contents: WebContents): void {
  contents.on('will-navigate', (e, url) => {
    if (!isOwnUrl(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isOwnUrl(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  // No new windows, and no hand-off of links to other programs: a message cannot make this
  // device fetch anything.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function createMainWindow(preload: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 760,
    minHeight: 480,
    show: false,
    title: 'Valise',
    backgroundColor: '#f6f7f9',
    // Written out in full here (not built elsewhere) so that electronegativity, which reads this
    // file statically in `npm test`, sees every setting.
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
      safeDialogs: true,
    },
  });
  // Until the renderer says which channel is on screen, assume it is a protected one.
  win.setContentProtection(true);
  win.once('ready-to-show', () => win.show());
  if (app.isPackaged) win.webContents.on('devtools-opened', () => win.webContents.closeDevTools());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}
