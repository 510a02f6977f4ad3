import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRootKeyFile, RootKeyFileError, writeRootKeyFile } from './RootKeyFile.ts';

const FAST = { memoryCost: 8192, timeCost: 1, parallelism: 1 };

describe('RootKeyFile', () => {
  it('round-trips the key, refuses a wrong passphrase and a tampered file, and never holds the key in clear', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-rootkey-'));
    const file = path.join(dir, 'org-root.key');
    const key = new Uint8Array(32).fill(0xa5);
    await writeRootKeyFile(file, 'acme', key, 'a long passphrase', FAST);
    expect((await readRootKeyFile(file, 'a long passphrase')).privateKey).toEqual(key);
    expect(fs.readFileSync(file).includes(Buffer.from(key))).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).not.toContain(Buffer.from(key).toString('base64'));
    await expect(readRootKeyFile(file, 'another passphrase')).rejects.toThrow(/Wrong passphrase/);
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { orgId: string };
    j.orgId = 'other';
    fs.writeFileSync(file, JSON.stringify(j));
    await expect(readRootKeyFile(file, 'a long passphrase')).rejects.toBeInstanceOf(RootKeyFileError);
    await expect(writeRootKeyFile(file, 'acme', key, 'a long passphrase', FAST)).rejects.toThrow(); // never overwritten
    await expect(writeRootKeyFile(path.join(dir, 'x'), 'acme', key, 'short', FAST)).rejects.toThrow(/12 characters/);
    fs.rmSync(dir, { recursive: true });
  });
});
