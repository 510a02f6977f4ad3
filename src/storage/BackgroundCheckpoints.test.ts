import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PassphraseKeyProvider } from './keys/PassphraseKeyProvider.ts';
import { createProfile, openProfile, profilePaths } from './Profile.ts';

const FAST = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function until(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('BackgroundCheckpoints', () => {
  it('commits no longer checkpoint; the worker moves the WAL into the database file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-bgckpt-'));
    dirs.push(dir);
    const provider = new PassphraseKeyProvider('pass', FAST);
    (await createProfile(dir, provider)).close();
    const store = await openProfile(dir, provider, { backgroundCheckpoints: true });
    try {
      await until(() => store.checkpointsInBackground, 20_000);
      expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const p = profilePaths(dir);
      const before = fs.statSync(p.db).size;
      for (let b = 0; b < 20; b++) {
        store.transaction((r) => {
          for (let i = 0; i < 100; i++) {
            r.messages.insert({ id: crypto.randomBytes(16).toString('hex'), channelId: 'c', sender: 'a.1', sentAt: b * 100 + i, expiresAt: null, text: `message ${b}/${i}` });
          }
        });
      }
      // Only a checkpoint writes pages into the database file; here the worker did it.
      await until(() => fs.statSync(p.db).size > before, 10_000);
      expect(store.messages.latest('c', 1)[0]!.text).toBe('message 19/99');
    } finally {
      store.close();
    }
    // Closed cleanly: the profile opens again with everything in it.
    const again = await openProfile(dir, provider);
    expect(again.messages.latest('c', 2000)).toHaveLength(2000);
    again.close();
  }, 60_000);
});
