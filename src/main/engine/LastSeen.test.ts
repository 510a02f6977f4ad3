import { describe, expect, it } from 'vitest';
import { LastSeen, type LastSeenDisk } from './LastSeen.ts';

function memoryDisk(): LastSeenDisk & { rows: Map<string, number>; writes: number } {
  const rows = new Map<string, number>();
  return {
    rows,
    writes: 0,
    seen(u, d, at) {
      this.writes++;
      rows.set(`${u}/${d}`, Math.max(at, rows.get(`${u}/${d}`) ?? 0));
    },
    allLastSeen: () => [...rows].map(([k, at]) => ({ userId: k.split('/')[0]!, deviceId: k.split('/')[1]!, at })),
  };
}

describe('LastSeen', () => {
  it('survives a restart, and writes at most once a minute per device while receiving', () => {
    const disk = memoryDisk();
    const a = new LastSeen(() => disk);
    a.set('bob/1', 1_000);
    for (let t = 1_001; t < 30_000; t += 10) a.set('bob/1', t);
    expect(disk.writes).toBe(1);
    expect(a.get('bob/1')).toBe(29_991);
    a.set('bob/1', 70_000);
    expect(disk.writes).toBe(2);
    a.set('bob/1', 70_500);
    a.set('bob/1', 60_000);
    expect(a.get('bob/1')).toBe(70_500);
    a.flush();
    const b = new LastSeen(() => disk);
    expect(b.get('bob/1')).toBe(70_500);
    expect(b.get('carol/2')).toBeUndefined();
  });

  it('keeps working in memory when the profile cannot be written', () => {
    const l = new LastSeen(() => ({ seen: () => { throw new Error('busy'); }, allLastSeen: () => [] }));
    l.set('bob/1', 5);
    expect(l.get('bob/1')).toBe(5);
  });
});
