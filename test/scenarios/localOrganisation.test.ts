/**
 * First run without an organisation: the user starts a local one. Any display name works; the
 * user id is derived from it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/main/engine/Engine.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { FAST_ARGON2, PASSPHRASE, until } from './harness.ts';

let engine: Engine | undefined;
let dir: string | undefined;
afterEach(async () => {
  await engine?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('local organisation', () => {
  it('starts for a display name with a space and an accent', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-local-'));
    engine = new Engine({ startRelay, profileDir: dir, keyProviders: { argon2: FAST_ARGON2 }, deviceName: 'test' });
    const r = await engine.handle('startLocalOrganisation', { orgName: 'Délégation', displayName: 'Alice Martin-Lévy', keyProvider: 'passphrase', passphrase: PASSPHRASE });
    expect(r).toMatchObject({ state: 'unlocked', me: { userId: 'alice-martin-levy', displayName: 'Alice Martin-Lévy' } });
    await until(async () => (await engine!.handle('status', {}) as { connection: string }).connection === 'online', 10_000, 'local relay online');
    const ch = await engine.handle('createChannel', { name: 'Notes', classification: 1, memberUserIds: [], policy: DEFAULT_POLICY });
    expect(ch).toMatchObject({ name: 'Notes' });
  });
});
