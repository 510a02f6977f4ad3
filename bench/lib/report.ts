/**
 * Benchmark figures and the shared report: a table on stdout and bench/results/latest.json,
 * merged per benchmark file so that `npm run bench -- NAME` updates only NAME's rows.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Figure {
  /** The benchmark file the figure comes from (e.g. "crypto"). Filled in by the runner. */
  bench?: string;
  name: string;
  value: number;
  unit: string;
  /** The raw limit measured in the same run (same unit), where one applies. */
  limit?: number;
  /** value / limit (or limit / value for lower-is-better units such as ms). */
  ratio?: number;
  /** The target, as text (e.g. ">= 0.8 of raw", "< 1 ms"). */
  target?: string;
}

export function withRatio(f: Figure, lowerIsBetter = false): Figure {
  if (f.limit === undefined || f.limit === 0 || f.value === 0) return f;
  const ratio = lowerIsBetter ? f.limit / f.value : f.value / f.limit;
  return { ...f, ratio: Math.round(ratio * 1000) / 1000 };
}

export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.bench ?? '',
    f.name,
    fmt(f.value),
    f.unit,
    f.limit === undefined ? '' : fmt(f.limit),
    f.ratio === undefined ? '' : f.ratio.toFixed(2),
    f.target ?? '',
  ]);
  const head = ['bench', 'figure', 'value', 'unit', 'raw limit', 'ratio', 'target'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 2 || i === 4 || i === 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function fmt(n: number): string {
  if (Number.isInteger(n) || Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}

/** Replaces the figures of the given benches in the results file and keeps the others. */
export function mergeResults(file: string, benches: readonly string[], figures: readonly Figure[]): Figure[] {
  let previous: Figure[] = [];
  if (fs.existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (Array.isArray(parsed)) previous = parsed as Figure[];
    } catch {
      previous = [];
    }
  }
  const merged = [...previous.filter((f) => !f.bench || !benches.includes(f.bench)), ...figures];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  return merged;
}

/** Runs `fn` repeatedly for about `ms` milliseconds (at least `minOps` times); returns ops/s. */
export async function opsPerSecond(fn: () => Promise<unknown> | unknown, ms = 1500, minOps = 200): Promise<number> {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms || n < minOps) {
    await fn();
    n++;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** Runs `fn(i)` for i in 0..n-1 and returns ops/s (for inputs that can be used once, e.g. ciphertexts). */
export async function opsPerSecondOver(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return (n * 1000) / (performance.now() - start);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
