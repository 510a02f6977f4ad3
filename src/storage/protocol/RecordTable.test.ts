/** A record table reads its own buffered writes, applies them only on flush, and names what is missing. */
import { describe, expect, it } from 'vitest';
import { RecordNotFound } from '../errors.ts';
import { RecordTable, type RecordRows } from './RecordTable.ts';
import { BufferedTarget, DirectTarget } from './StoreTarget.ts';

function memoryRows(): RecordRows<string> & { db: Map<number, string> } {
  const db = new Map<number, string>();
  return {
    db,
    prefix: 'signed',
    label: 'signed prekey',
    get: (id) => db.get(id) ?? null,
    put: (id, v) => void db.set(id, v),
    del: (id) => void db.delete(id),
  };
}

describe('RecordTable', () => {
  it('writes, reads and removes at once on a direct target', () => {
    const rows = memoryRows();
    const t = new RecordTable(rows, DirectTarget);
    t.save(3, 'three');
    expect(rows.db.get(3)).toBe('three');
    expect(t.require(3)).toBe('three');
    t.remove(3);
    expect(rows.db.has(3)).toBe(false);
    expect(t.load(3)).toBeNull();
  });

  it('inside a unit of work, sees its own writes but leaves the table untouched until flush', () => {
    const rows = memoryRows();
    rows.db.set(1, 'old');
    const unit = new BufferedTarget();
    const t = new RecordTable(rows, unit);
    t.save(2, 'new');
    t.remove(1);
    expect(t.load(2)).toBe('new');
    expect(t.load(1)).toBeNull();
    expect([...rows.db]).toEqual([[1, 'old']]);
    unit.flush();
    expect([...rows.db]).toEqual([[2, 'new']]);
  });

  it('a missing record is a RecordNotFound that names the table and id', () => {
    const t = new RecordTable(memoryRows(), DirectTarget);
    expect(() => t.require(9)).toThrow(RecordNotFound);
    expect(() => t.require(9)).toThrow(/signed prekey 9/);
  });
});
