import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WalSync } from './WalSync.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function files(): { wal: string; db: string } {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-walsync-'));
  dirs.push(d);
  fs.writeFileSync(path.join(d, 'x.db'), 'db');
  return { wal: path.join(d, 'x.db-wal'), db: path.join(d, 'x.db') };
}

describe('WalSync', () => {
  it('callers that arrive before an fsync starts share it; later ones get their own', async () => {
    const f = files();
    fs.writeFileSync(f.wal, 'frames');
    const s = new WalSync(f.wal, f.db);
    const a = s.sync();
    const b = s.sync();
    expect(b).toBe(a);
    await a;
    const c = s.sync();
    expect(c).not.toBe(a);
    await c;
  });

  it('falls back to the database file when there is no WAL, and reports a missing database', async () => {
    const f = files();
    await new WalSync(f.wal, f.db).sync();
    fs.rmSync(f.db);
    await expect(new WalSync(f.wal, f.db).sync()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
