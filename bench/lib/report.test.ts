import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable, mergeResults, percentile, withRatio } from './report.ts';

describe('bench report', () => {
  it('computes ratios both ways', () => {
    expect(withRatio({ name: 'x', value: 800, unit: 'ops/s', limit: 1000 }).ratio).toBe(0.8);
    expect(withRatio({ name: 'x', value: 2, unit: 'ms', limit: 1 }, true).ratio).toBe(0.5);
  });

  it('merges per bench and keeps the others', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'latest.json');
    mergeResults(file, ['a'], [{ bench: 'a', name: 'one', value: 1, unit: 'u' }]);
    mergeResults(file, ['b'], [{ bench: 'b', name: 'two', value: 2, unit: 'u' }]);
    const merged = mergeResults(file, ['a'], [{ bench: 'a', name: 'three', value: 3, unit: 'u' }]);
    expect(merged.map((f) => f.name).sort()).toEqual(['three', 'two']);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toHaveLength(2);
  });

  it('prints a table with a header and one row per figure', () => {
    const t = formatTable([{ bench: 'a', name: 'enc', value: 6123.4, unit: 'msg/s', limit: 6000, ratio: 1.02 }]);
    expect(t.split('\n')).toHaveLength(3);
    expect(t).toContain('6,123');
  });

  it('takes percentiles of sorted samples', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(s, 50)).toBe(50);
    expect(percentile(s, 99)).toBe(99);
  });
});
