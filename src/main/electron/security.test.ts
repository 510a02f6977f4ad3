import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSP, isOwnUrl, resolveAppFile } from './security.ts';

describe('Electron window hardening', () => {
  it('forbids remote content and inline script in its CSP', () => {
    expect(CSP).toContain("default-src 'none'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toContain('unsafe-inline');
    expect(CSP).not.toContain('unsafe-eval');
    expect(CSP).not.toMatch(/https?:/);
  });

  it('allows navigation only to its own pages', () => {
    expect(isOwnUrl('valise://app/index.html')).toBe(true);
    expect(isOwnUrl('https://evil.example/')).toBe(false);
    expect(isOwnUrl('file:///etc/passwd')).toBe(false);
    expect(isOwnUrl('valise://app.evil.example/')).toBe(false);
  });

  it('serves only files inside the renderer folder', () => {
    const r = (u: string) => resolveAppFile(u, '/opt/valise/renderer', path.join, path.resolve, path.sep);
    expect(r('valise://app/')).toBe('/opt/valise/renderer/index.html');
    expect(r('valise://app/assets/index.js')).toBe('/opt/valise/renderer/assets/index.js');
    for (const evil of ['valise://app/%2e%2e/%2e%2e/etc/passwd', 'valise://app/..%2f..%2fetc%2fpasswd', 'valise://app/%2F%2Fetc/passwd']) {
      const f = r(evil);
      expect(f === null || f.startsWith('/opt/valise/renderer/'), evil).toBe(true);
    }
    expect(r('valise://app/..%2f..%2fetc%2fpasswd')).toBeNull();
    expect(r('https://evil.example/index.html')).toBeNull();
  });
});
