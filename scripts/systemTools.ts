/**
 * The system tools `npm test` needs beside npm's packages, the Debian package of each, and the one
 * command that installs them all (the README's command block and .ci/run use the same list).
 */
import fs from 'node:fs';
import path from 'node:path';

export const SYSTEM_TOOLS = [
  { tool: '/usr/bin/chromium', pkg: 'chromium', why: 'Playwright drives Debian Chromium (browser mode tests)' },
  { tool: 'swtpm', pkg: 'swtpm', why: 'a software TPM for the TPM key provider tests' },
  { tool: 'swtpm_setup', pkg: 'swtpm-tools', why: 'sets up the software TPM' },
  { tool: 'tpm2_createprimary', pkg: 'tpm2-tools', why: 'the TPM key provider' },
  { tool: 'tpm2_unseal', pkg: 'tpm2-tools', why: 'the TPM key provider' },
  { tool: 'softhsm2-util', pkg: 'softhsm2', why: 'a PKCS#11 token for the PKCS#11 key provider tests' },
  { tool: 'faketime', pkg: 'faketime', why: 'runs the valise CLI with a skewed clock (clock tests)' },
] as const;

export const INSTALL_LINE = `sudo apt-get install -y ${[...new Set(SYSTEM_TOOLS.map((t) => t.pkg))].join(' ')}`;

/** Whether `tool` (a path, or a name looked up in PATH) is an executable file. */
export function findTool(tool: string, pathVar = process.env.PATH ?? ''): boolean {
  const candidates = tool.includes('/') ? [tool] : pathVar.split(path.delimiter).filter(Boolean).map((d) => path.join(d, tool));
  return candidates.some((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

export function missingTools(has: (tool: string) => boolean = (t) => findTool(t)): (typeof SYSTEM_TOOLS)[number][] {
  return SYSTEM_TOOLS.filter((t) => !has(t.tool));
}

/** What `npm test` prints when something is missing: what, why, and the one line that installs it. */
export function missingReport(missing: readonly (typeof SYSTEM_TOOLS)[number][]): string {
  const lines = missing.map((t) => `  ${t.tool} (Debian package ${t.pkg}): ${t.why}`);
  return `npm test needs system tools that are not installed:\n${lines.join('\n')}\nInstall them all with:\n  ${INSTALL_LINE}\n`;
}
