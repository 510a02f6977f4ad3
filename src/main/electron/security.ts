/**
 * The hardening of the Electron window, as data and pure checks so that it is tested without
 * Electron: web preferences, the CSP, which navigations are allowed (none but our own pages).
 */
import { contentSecurityPolicy } from '../host/BrowserHost.ts';

/** Our pages are served from this privileged scheme, never from file:// or the network. */
export const APP_SCHEME = 'valise';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export const CSP = contentSecurityPolicy();

/** Only our own origin may be loaded; anything else (links, redirects, drops) is refused. */
export function isOwnUrl(url: string): boolean {
  try {
    return new URL(url).origin === APP_ORIGIN || url.startsWith(APP_ORIGIN + '/');
  } catch {
    return false;
  }
}

/** Maps a request on our scheme to a file inside the renderer folder; null when it escapes it. */
export function resolveAppFile(url: string, rendererDir: string, join: (...p: string[]) => string, resolve: (...p: string[]) => string, sep: string): string | null {
  let pathname: string;
  try {
    const u = new URL(url);
    if (u.origin !== APP_ORIGIN && !url.startsWith(APP_ORIGIN + '/')) return null;
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  const rel = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const file = resolve(rendererDir, rel);
  const root = resolve(rendererDir);
  return file.startsWith(root + sep) ? file : null;
}
