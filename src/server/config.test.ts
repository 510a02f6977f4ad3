import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig } from './config.ts';

describe('loadServerConfig', () => {
  it('defaults to loopback, and flags win over the config file', () => {
    expect(loadServerConfig([])).toMatchObject({ host: '127.0.0.1', port: 8443, dataDir: 'relay-data', org: 'org.json' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-cfg-'));
    const file = path.join(dir, 'relay.json');
    fs.writeFileSync(file, JSON.stringify({ host: '0.0.0.0', port: 9000, dataDir: '/var/lib/valise', limits: { maxQueueDepth: 5 } }));
    expect(loadServerConfig(['--config', file, '--port', '9100'])).toMatchObject({ host: '0.0.0.0', port: 9100, dataDir: '/var/lib/valise', limits: { maxQueueDepth: 5 } });
    fs.rmSync(dir, { recursive: true });
  });

  it('takes the organisation’s attachment limit and the device quota from the config file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-cfg-'));
    const file = path.join(dir, 'relay.json');
    const limits = { maxAttachmentBytes: 20 * 1024 * 1024, blobQuotaBytes: 200 * 1024 * 1024, maxBlobAgeMs: 86_400_000, blobUploadWindowMs: 3_600_000 };
    fs.writeFileSync(file, JSON.stringify({ limits }));
    expect(loadServerConfig(['--config', file]).limits).toEqual(limits);
    fs.writeFileSync(file, JSON.stringify({ limits: { maxAttachmentBytes: -1 } }));
    expect(() => loadServerConfig(['--config', file])).toThrow(/not valid/);
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses a bad port, half a TLS pair, and unknown keys in the file', () => {
    expect(() => loadServerConfig(['--port', 'eighty'])).toThrow(ConfigError);
    expect(() => loadServerConfig(['--tls-cert', 'c.pem'])).toThrow(/both/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-cfg-'));
    const file = path.join(dir, 'relay.json');
    fs.writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadServerConfig(['--config', file])).toThrow(/not valid/);
    fs.rmSync(dir, { recursive: true });
  });
});
