import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENROLMENT_TOKENS_FILE, EnrolmentTokens, EnrolmentTokensError } from './EnrolmentTokens.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-tokens-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('EnrolmentTokens', () => {
  it('matches a user\'s live token only, as typed with any case or spacing, and keeps no token in clear', () => {
    const t = EnrolmentTokens.open(dir);
    const alice = t.issue('alice', 1);
    const bob = t.issue('bob', 1);
    expect(alice).toMatch(/^[0-9a-f]{5}(-[0-9a-f]{5}){3}$/);
    const again = EnrolmentTokens.open(dir);
    expect(again.matches('alice', alice.toUpperCase().replace(/-/g, ' '))).toBe(true);
    expect(again.matches('alice', bob)).toBe(false);
    expect(again.matches('alice', '')).toBe(false);
    expect(again.userOf(bob)).toBe('bob');
    const text = fs.readFileSync(path.join(dir, ENROLMENT_TOKENS_FILE), 'utf8');
    expect(text).not.toContain(alice.replace(/-/g, ''));
    expect(fs.statSync(path.join(dir, ENROLMENT_TOKENS_FILE)).mode & 0o077).toBe(0);
  });

  it('forgets a token once replaced or used, and remembers the highest device id certified', () => {
    const t = EnrolmentTokens.open(dir);
    const first = t.issue('alice', 1);
    const second = t.issue('alice', 2);
    expect(t.matches('alice', first)).toBe(false);
    t.certified('alice', 3);
    expect(t.matches('alice', second)).toBe(false);
    expect(EnrolmentTokens.open(dir).highestDeviceId('alice')).toBe(3);
    t.issue('alice', 4);
    expect(EnrolmentTokens.open(dir).highestDeviceId('alice')).toBe(3);
  });

  it('refuses a damaged file with a typed error that says what to do', () => {
    fs.writeFileSync(path.join(dir, ENROLMENT_TOKENS_FILE), '{"version":1,"users":{"a":{"tokenSha256":"zz"}}}');
    expect(() => EnrolmentTokens.open(dir)).toThrow(EnrolmentTokensError);
    expect(() => EnrolmentTokens.open(dir)).toThrow(/valise-admin token USER/);
  });
});
