/**
 * Attack: whoever sits on the network between a device or the officer and the relay. `init-org`
 * used to write an empty certificate pin, engines accepted a `ws://` relay anywhere, and
 * valise-admin never pinned: a network attacker could serve its own relay (and its own answers to
 * the officer's tool). Now every program reaches a relay over wss:// with its certificate pinned,
 * except on this machine's loopback, and a relay presenting another certificate is refused by the
 * engine and by valise-admin alike.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTool, initOrg } from '../../src/cli/admin/AdminTool.ts';
import { Engine } from '../../src/main/engine/Engine.ts';
import { orgPublicKeyBytes, readOrgConfig, type OrgFile } from '../../src/relay/readOrgConfig.ts';
import { startRelay, type RunningRelay } from '../../src/server/startRelay.ts';
import { FAST_ARGON2, Node, PASSPHRASE } from '../scenarios/harness.ts';

const KDF = { memoryCost: 8192, timeCost: 1, parallelism: 1 };
let tmp: string;
let relay: RunningRelay;
let org: OrgFile;
let orgDir: string;
let pin: string;
let otherPin: string;

function selfSigned(name: string): { cert: string; key: string; pin: string } {
  const cert = path.join(tmp, `${name}.pem`);
  const key = path.join(tmp, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key, pin: createHash('sha256').update(new X509Certificate(fs.readFileSync(cert)).raw).digest('hex') };
}

/** An org directory whose org.json says what `change` makes of it (the root key file stays valid). */
function orgDirWith(change: Partial<OrgFile>): string {
  const d = fs.mkdtempSync(path.join(tmp, 'org-'));
  for (const f of ['org-root.key']) fs.copyFileSync(path.join(orgDir, f), path.join(d, f));
  fs.writeFileSync(path.join(d, 'org.json'), JSON.stringify({ ...org, ...change }));
  return d;
}

async function joinWith(change: Partial<OrgFile>) {
  const profile = fs.mkdtempSync(path.join(tmp, 'profile-'));
  const node = new Node(new Engine({ startRelay, profileDir: profile, keyProviders: { argon2: FAST_ARGON2 }, enrolmentPollMs: 100 }), profile, 'eve');
  try {
    const orgJson = JSON.stringify({ ...org, ...change });
    const r = await node.call('joinOrganisation', { orgJson, displayName: 'Eve', keyProvider: 'passphrase', passphrase: PASSPHRASE }).then(() => 'joined', (e: { code: string; message: string }) => e);
    return { r, state: (await node.call('status', {})).state };
  } finally {
    await node.engine.close();
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-unpinned-'));
  const real = selfSigned('relay');
  pin = real.pin;
  otherPin = selfSigned('impostor').pin;
  orgDir = path.join(tmp, 'admin');
  org = await initOrg({ dir: orgDir, relayUrl: 'wss://relay.example:8443', relayCertFile: real.cert, passphrase: PASSPHRASE, kdf: KDF });
  relay = await startRelay({ orgId: org.orgId, orgPublicKey: orgPublicKeyBytes(org), tls: { certFile: real.cert, keyFile: real.key } });
  expect(relay.url).toMatch(/^wss:\/\/127\.0\.0\.1:/);
}, 60_000);

afterAll(async () => {
  await relay?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('relays are pinned by default', () => {
  it('init-org pins the certificate it is given, and refuses a relay it cannot pin', async () => {
    expect(readOrgConfig(path.join(orgDir, 'org.json')).relayCertificateSha256).toBe(pin);
    for (const relayUrl of ['ws://relay.example:8443', 'wss://relay.example:8443']) {
      await expect(initOrg({ dir: fs.mkdtempSync(path.join(tmp, 'init-')), relayUrl, passphrase: PASSPHRASE, kdf: KDF })).rejects.toMatchObject({ code: 'RELAY_NOT_PINNED' });
    }
    await expect(initOrg({ dir: fs.mkdtempSync(path.join(tmp, 'init-')), relayUrl: 'ws://relay.example:8443', relayCertSha256: pin, passphrase: PASSPHRASE, kdf: KDF })).rejects.toMatchObject({ code: 'RELAY_NOT_PINNED' });
  });

  it('an engine refuses a non-loopback ws:// org.json, or a wss:// one without a pin, before creating anything', async () => {
    for (const change of [{ relayUrl: 'ws://192.0.2.10:8080' }, { relayUrl: 'wss://192.0.2.10:8443', relayCertificateSha256: '' }]) {
      const { r, state } = await joinWith(change);
      expect(r).toMatchObject({ code: 'BAD_ORG_CONFIG' });
      expect((r as { message: string }).message).toMatch(/wss:\/\/|relayCertificateSha256/);
      expect(state).toBe('no-profile');
    }
  });

  it('valise-admin refuses a non-loopback ws:// org.json, or a wss:// one without a pin', async () => {
    await expect(AdminTool.open(orgDirWith({ relayUrl: 'ws://192.0.2.10:8080' }), PASSPHRASE)).rejects.toMatchObject({ code: 'RELAY_NOT_PINNED' });
    await expect(AdminTool.open(orgDirWith({ relayCertificateSha256: '' }), PASSPHRASE)).rejects.toMatchObject({ code: 'RELAY_NOT_PINNED' });
  });

  it('a relay presenting another certificate than the pinned one is refused by the engine and by valise-admin', async () => {
    const { r, state } = await joinWith({ relayUrl: relay.url, relayCertificateSha256: otherPin });
    expect(r).toMatchObject({ code: 'RELAY_CERTIFICATE_MISMATCH' });
    expect(state).toBe('no-profile');
    await expect(AdminTool.open(orgDirWith({ relayCertificateSha256: otherPin }), PASSPHRASE, relay.url)).rejects.toMatchObject({ code: 'CERTIFICATE_PIN_MISMATCH' });
    // With the right pin, valise-admin reaches the self-signed relay: it pins, it does not merely fail.
    const tool = await AdminTool.open(orgDir, PASSPHRASE, relay.url);
    expect(await tool.users()).toEqual([]);
    await tool.close();
  });
});
