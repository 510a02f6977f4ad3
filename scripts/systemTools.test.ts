import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTALL_LINE, findTool, missingReport, missingTools } from './systemTools.ts';

const root = path.resolve(import.meta.dirname, '..');

describe('system tools check', () => {
  it('names what is missing and gives the one install line', () => {
    const missing = missingTools((t) => t !== 'swtpm_setup' && t !== '/usr/bin/chromium');
    expect(missing.map((m) => m.pkg)).toEqual(['chromium', 'swtpm-tools']);
    const report = missingReport(missing);
    expect(report).toContain('swtpm_setup (Debian package swtpm-tools)');
    expect(report).toContain(INSTALL_LINE);
    expect(missingTools(() => true)).toEqual([]);
  });

  it('looks tools up in PATH', () => {
    expect(findTool('node', path.dirname(process.execPath))).toBe(true);
    expect(findTool('no-such-tool-anywhere', path.dirname(process.execPath))).toBe(false);
  });

  it('is the same list in the README command block and in CI', () => {
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain(INSTALL_LINE);
    const ci = fs.readFileSync(path.join(root, '.ci/run'), 'utf8');
    for (const pkg of INSTALL_LINE.split(' ').slice(4)) expect(ci).toContain(pkg);
  });
});
