import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OrgConfigError, orgPublicKeyBytes, readOrgConfig } from './readOrgConfig.ts';

const KEY = Buffer.alloc(33, 5).toString('base64');
let dir: string | undefined;

function write(content: string): string {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'valise-org-'));
  const file = path.join(dir, 'org.json');
  fs.writeFileSync(file, content);
  return file;
}

afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('readOrgConfig', () => {
  it('reads what valise-admin writes, with its defaults', () => {
    const org = readOrgConfig(write(JSON.stringify({ version: 1, orgId: 'acme', orgPublicKey: KEY, relayUrl: 'wss://relay.example', relayCertificateSha256: '' })));
    expect(org).toMatchObject({ version: 1, orgId: 'acme', name: '', relayUrl: 'wss://relay.example', relayCertificateSha256: '', local: false });
    expect(orgPublicKeyBytes(org)).toEqual(new Uint8Array(Buffer.alloc(33, 5)));
    expect(org.classifications.map((c) => c.label)).toContain('SECRET');
  });

  it('accepts the key under its other name and a pin in upper case, as clients do', () => {
    const org = readOrgConfig(write(JSON.stringify({ orgId: 'acme', rootPublicKey: KEY, relayUrl: 'ws://127.0.0.1:1', relayCertificateSha256: 'AB'.repeat(32) })));
    expect(org.orgPublicKey).toBe(KEY);
    expect(org.relayCertificateSha256).toBe('ab'.repeat(32));
  });

  it('refuses a file without a root key or relay address, naming the field', () => {
    const file = write(JSON.stringify({ version: 1, orgId: 'acme' }));
    expect(() => readOrgConfig(file)).toThrow(OrgConfigError);
    expect(() => readOrgConfig(file)).toThrow(/is not valid: orgPublicKey: required; relayUrl: required/);
  });

  it('tells a file that is not JSON from a missing one', () => {
    expect(() => readOrgConfig(write('{"orgId":'))).toThrow(/Cannot read the organisation file .*org\.json: /);
    expect(() => readOrgConfig(path.join(os.tmpdir(), 'valise-no-such-dir', 'org.json'))).toThrow(/Cannot read the organisation file/);
  });

  it('refuses a relay address that is not a WebSocket URL', () => {
    expect(() => readOrgConfig(write(JSON.stringify({ orgId: 'acme', orgPublicKey: KEY, relayUrl: 'http://relay.example' })))).toThrow(/is not valid: relayUrl: /);
  });
});
