import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');

/** A minimal reader for the flat keys we check (no YAML dependency for one file). */
function section(yml: string, name: string): Record<string, string> {
  const lines = yml.split('\n');
  const start = lines.findIndex((l) => l === `${name}:`);
  const out: Record<string, string> = {};
  for (const l of lines.slice(start + 1)) {
    const m = /^ {2}(\w+): (.+)$/.exec(l);
    if (!m) break;
    out[m[1]!] = m[2]!;
  }
  return out;
}

it('packages with the hardening fuses and for every platform the issue names', () => {
  const yml = fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
  expect(section(yml, 'electronFuses')).toMatchObject({
    runAsNode: 'false',
    enableNodeOptionsEnvironmentVariable: 'false',
    enableNodeCliInspectArguments: 'false',
    enableCookieEncryption: 'true',
    onlyLoadAppFromAsar: 'true',
    enableEmbeddedAsarIntegrityValidation: 'true',
  });
  for (const target of ['AppImage', 'deb', 'nsis', 'dmg']) expect(yml).toContain(`- ${target}`);
  expect(yml).toMatch(/^asar: true$/m);
});
