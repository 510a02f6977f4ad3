import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WalSync } from './WalSync.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('WalSync', () => {
  it('answers a commit only after a sync that started after it, coalescing those that wait', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-walsync-'));
    const file = path.join(dir, 'relay.db-wal');
    fs.writeFileSync(file, 'frames');
    const syncs: (() => void)[] = [];
    const real = fs.fdatasync;
    vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      syncs.push(() => real(fd, cb));
    }) as typeof fs.fdatasync);
    const w = new WalSync(file);
    const done: string[] = [];
    w.after(() => done.push('a'));
    // b and c commit while a's sync runs: they need the next sync, which covers both.
    w.after(() => done.push('b'));
    w.after(() => done.push('c'));
    expect(syncs).toHaveLength(1);
    syncs[0]!();
    await vi.waitFor(() => expect(done).toEqual(['a']));
    expect(syncs).toHaveLength(2);
    syncs[1]!();
    await vi.waitFor(() => expect(done).toEqual(['a', 'b', 'c']));
    expect(syncs).toHaveLength(2);
    w.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('reports a failed sync to the callers it concerns; no WAL file is nothing to sync', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-walsync-'));
    await expect(new WalSync(path.join(dir, 'missing-wal')).barrier()).resolves.toBeUndefined();
    fs.writeFileSync(path.join(dir, 'wal'), 'frames');
    vi.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    }) as typeof fs.fdatasync);
    const w = new WalSync(path.join(dir, 'wal'));
    await expect(w.barrier()).rejects.toThrow(/EIO/);
    w.close();
    fs.rmSync(dir, { recursive: true });
  });
});
