import { describe, expect, it } from 'vitest';
import { CliError } from './CliError.ts';
import { EXIT } from './exitCodes.ts';
import { resolveRef, resolveRefs } from './resolveRef.ts';

const people = [
  { userId: 'bob-1a2b3c', displayName: 'Bob' },
  { userId: 'carol-4d5e6f', displayName: 'Carol' },
  { userId: 'bob-999999', displayName: 'bob' },
  { userId: 'alice-000001', displayName: 'Alice' },
  { userId: 'alice-000002', displayName: 'Alice' },
];
const kind = { noun: 'person', id: (p: (typeof people)[number]) => p.userId, name: (p: (typeof people)[number]) => p.displayName, listCommand: 'valise-admin users' };

function failure(f: () => unknown): CliError {
  try {
    f();
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error('did not fail');
}

describe('resolveRef', () => {
  it('takes an id, then the exact name, then the name in any case', () => {
    expect(resolveRef('carol-4d5e6f', people, kind).displayName).toBe('Carol');
    expect(resolveRef('Bob', people, kind).userId).toBe('bob-1a2b3c');
    expect(resolveRef('bob', people, kind).userId).toBe('bob-999999');
    expect(resolveRef('CAROL', people, kind).userId).toBe('carol-4d5e6f');
  });

  it('refuses an ambiguous name and lists every candidate with its id', () => {
    const e = failure(() => resolveRef('Alice', people, kind));
    expect(e.code).toBe('AMBIGUOUS');
    expect(e.exitCode).toBe(EXIT.usage);
    expect(e.message).toContain('alice-000001  Alice');
    expect(e.message).toContain('alice-000002  Alice');
    expect(failure(() => resolveRef('BOB', people, kind)).message).toContain('bob-999999');
  });

  it('says where to look when nothing matches', () => {
    const e = failure(() => resolveRef('Dave', people, kind));
    expect(e.exitCode).toBe(EXIT.notFound);
    expect(e.message).toContain('valise-admin users');
  });

  it('resolves each entry of a list', () => {
    expect(resolveRefs('Bob, carol-4d5e6f,', people, kind).map((p) => p.userId)).toEqual(['bob-1a2b3c', 'carol-4d5e6f']);
  });
});
