import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { TestOrg } from './fixtures.ts';

let dir: string;
let org: TestOrg;
let pin: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  pin = createHash('sha256').update(new X509Certificate(fs.readFileSync(path.join(dir, 'cert.pem'))).raw).digest('hex');
  org = await new TestOrg().start({ tls: { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') } });
});
afterAll(async () => {
  await org.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('serves wss and accepts a client that pins the certificate', async () => {
    expect(org.relay.url).toMatch(/^wss:/);
    const c = await RelayClient.connect(org.relay.url, { pinSha256: pin });
    expect(c.challenge).toHaveLength(32);
    await c.close();
  });

  it('refuses when the certificate does not match the pin', async () => {
    await expect(RelayClient.connect(org.relay.url, { pinSha256: 'ab'.repeat(32) })).rejects.toMatchObject({ code: 'CERTIFICATE_PIN_MISMATCH' });
  });

  it('refuses an unpinned self-signed certificate by default', async () => {
    await expect(RelayClient.connect(org.relay.url)).rejects.toMatchObject({ code: 'RELAY_UNAVAILABLE' });
  });
});
