import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_MEANINGS, exitCodesLine } from './exitCodes.ts';

describe('exit codes', () => {
  it('has one meaning per code, each code once', () => {
    expect(EXIT_MEANINGS.map((e) => e.code)).toEqual(Object.values(EXIT));
    expect(exitCodesLine()).toContain('7 gone');
  });

  it('is the table docs/cli.md shows', () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/cli.md'), 'utf8');
    const rows = doc.split('<!-- exit-codes -->')[1]!.trim().split('\n').slice(2);
    expect(rows).toEqual(EXIT_MEANINGS.map((e) => `| ${e.code} | ${e.name} | ${e.meaning} |`));
  });
});
