/**
 * The relay's TLS certificate pinned in org.json (DESIGN.md §7): with a `wss:` relay that presents
 * a self-signed certificate on 127.0.0.1, engines whose org.json pins it enrol, connect and talk;
 * an org.json with another pin refuses to connect, with a typed error, and leaves no profile.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseOrgConfig, serializeOrgConfig } from '../../src/main/engine/OrgConfig.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { PASSPHRASE, Scenario, deviceCode, orgJson, until, type Node } from './harness.ts';

let certDir: string;
let pin: string;
let sc: Scenario;

beforeAll(() => {
  certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-pin-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem')], { stdio: 'ignore' });
  pin = createHash('sha256').update(new X509Certificate(fs.readFileSync(path.join(certDir, 'cert.pem'))).raw).digest('hex');
});
afterAll(() => fs.rmSync(certDir, { recursive: true, force: true }));
afterEach(async () => sc?.stop());

async function joinPinned(userId: string, relayPin: string): Promise<Node> {
  const node = sc.engine(sc.profileDir(), userId);
  const org = JSON.stringify({ ...JSON.parse(orgJson(sc.org)), relayCertificateSha256: relayPin });
  const { requestId } = await node.call('joinOrganisation', { orgJson: org, displayName: userId, keyProvider: 'passphrase', passphrase: PASSPHRASE });
  await sc.approve(requestId, () => deviceCode(node));
  await until(async () => (await node.call('status', {})).state === 'unlocked', 10_000, `${userId} enrolled`);
  await node.online();
  return node;
}

describe('relay certificate pin', () => {
  it('reads and writes the pin in org.json', () => {
    const cfg = parseOrgConfig(JSON.stringify({ orgId: 'o', orgPublicKey: 'AA', relayUrl: 'wss://relay.example', relayCertificateSha256: 'AB'.repeat(32) }));
    expect(cfg.relayPinSha256).toBe('ab'.repeat(32));
    expect(parseOrgConfig(serializeOrgConfig(cfg)).relayPinSha256).toBe('ab'.repeat(32));
    expect(() => parseOrgConfig(JSON.stringify({ orgId: 'o', orgPublicKey: 'AA', relayUrl: 'wss://x', relayCertificateSha256: 'not-hex' }))).toThrow();
  });

  it('enrols and talks over wss with the pinned certificate, and refuses another', async () => {
    sc = await new Scenario().start({ tls: { certFile: path.join(certDir, 'cert.pem'), keyFile: path.join(certDir, 'key.pem') } });
    expect(sc.org.relay.url).toMatch(/^wss:/);
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    await sc.user('mallory');
    const alice = await joinPinned('alice', pin);
    const bob = await joinPinned('bob', pin.toUpperCase());
    const ch = await alice.call('createChannel', { name: 'Pinned', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'over pinned TLS' });
    await bob.waitText('over pinned TLS');

    const wrong = sc.engine(sc.profileDir(), 'mallory');
    const org = JSON.stringify({ ...JSON.parse(orgJson(sc.org)), relayCertificateSha256: 'ab'.repeat(32) });
    await expect(wrong.call('joinOrganisation', { orgJson: org, displayName: 'mallory', keyProvider: 'passphrase', passphrase: PASSPHRASE })).rejects.toMatchObject({ code: 'RELAY_CERTIFICATE_MISMATCH' });
    expect((await wrong.call('status', {})).state).toBe('no-profile');
  });
});
