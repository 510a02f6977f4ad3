import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orgPublicKeyBytes, readOrgConfig } from '../../relay/readOrgConfig.ts';
import { parseOrgConfig, serializeOrgConfig } from './OrgConfig.ts';

const KEY = Buffer.alloc(33, 7).toString('base64');

describe('parseOrgConfig', () => {
  it('reads the same organisation from a file as the relay does', () => {
    const text = JSON.stringify({ version: 1, orgId: 'acme', name: 'Acme', orgPublicKey: KEY, relayUrl: 'wss://relay.example', relayCertificateSha256: '' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-org-'));
    try {
      fs.writeFileSync(path.join(dir, 'org.json'), text);
      const relay = readOrgConfig(path.join(dir, 'org.json'));
      const client = parseOrgConfig(text);
      expect(client).toMatchObject({ orgId: relay.orgId, name: relay.name, relayUrl: relay.relayUrl, classifications: relay.classifications, relayPinSha256: null });
      expect(client.orgPublicKey).toEqual(orgPublicKeyBytes(relay));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the organisation by its id when the file gives no name, and survives its own serialization', () => {
    const c = parseOrgConfig(JSON.stringify({ orgId: 'acme', rootPublicKey: KEY, relayUrl: 'ws://127.0.0.1:9', recordsUserId: 'records' }));
    expect(c.name).toBe('acme');
    expect(parseOrgConfig(serializeOrgConfig(c))).toEqual(c);
  });

  it('refuses a file without a root key, without a relay address (unless given), or not JSON', () => {
    expect(() => parseOrgConfig(JSON.stringify({ orgId: 'acme', relayUrl: 'wss://r' }))).toThrow(expect.objectContaining({ code: 'BAD_ORG_CONFIG' }));
    expect(() => parseOrgConfig(JSON.stringify({ orgId: 'acme', orgPublicKey: KEY }))).toThrow(expect.objectContaining({ code: 'BAD_ORG_CONFIG' }));
    expect(parseOrgConfig(JSON.stringify({ orgId: 'acme', orgPublicKey: KEY }), 'ws://127.0.0.1:9').relayUrl).toBe('ws://127.0.0.1:9');
    expect(() => parseOrgConfig('{"orgId":')).toThrow(expect.objectContaining({ code: 'BAD_ORG_CONFIG' }));
  });
});
