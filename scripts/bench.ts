/**
 * `npm run bench [-- NAME ...]`: runs bench/NAME.bench.ts (all of them without a name), prints one
 * table and merges the figures into bench/results/latest.json. Each bench module exports
 * `run(): Promise<Figure[]>`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatTable, mergeResults, type Figure } from '../bench/lib/report.ts';

const root = path.resolve(import.meta.dirname, '..');
const benchDir = path.join(root, 'bench');
const all = fs.readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort();
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((a) => !all.includes(a));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${all.join(', ')}.`);
  process.exit(2);
}
const names = asked.length > 0 ? asked : all;
const figures: Figure[] = [];
let failed = false;
for (const name of names) {
  const started = performance.now();
  process.stderr.write(`bench ${name} ...\n`);
  try {
    const mod = (await import(pathToFileURL(path.join(benchDir, `${name}.bench.ts`)).href)) as { run: () => Promise<Figure[]> };
    const got = await mod.run();
    figures.push(...got.map((f) => ({ ...f, bench: name })));
    process.stderr.write(`bench ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (e) {
    failed = true;
    console.error(`bench ${name} failed:`, e instanceof Error ? e.message : e);
  }
}
const out = path.join(benchDir, 'results', 'latest.json');
mergeResults(out, names, figures);
console.log(formatTable(figures));
console.log(`\nwritten: ${path.relative(root, out)}`);
process.exit(failed ? 1 : 0);
