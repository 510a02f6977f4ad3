/**
 * valise-admin as a user runs it (a child process), against a real relay; and `npm run server`
 * started as a process, drained by SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { createEnrolmentRequest, enrolmentCode, orgIdentity, signAuthChallenge } from '../../src/crypto/index.ts';
import { Engine } from '../../src/main/engine/Engine.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { deviceCode, FAST_ARGON2, Node, PASSPHRASE, until } from '../scenarios/harness.ts';
import { orgPublicKeyBytes, readOrgConfig } from '../../src/relay/readOrgConfig.ts';
import { startRelay, type RunningRelay } from '../../src/server/startRelay.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
let relay: RunningRelay;
let passFile: string;

async function admin(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, [path.join(root, 'bin/valise-admin.js'), '--dir', dir, '--passphrase-file', passFile, ...args], { timeout: 30_000 });
    return { ...r, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-admin-'));
  passFile = path.join(dir, 'pass');
  fs.writeFileSync(passFile, 'correct horse battery staple\n');
  const init = await admin('init-org', '--relay-url', 'ws://127.0.0.1:1', '--org-id', 'acme', '--name', 'Acme delegation');
  expect(init.code, init.stderr).toBe(0);
  const org = readOrgConfig(path.join(dir, 'org.json'));
  relay = await startRelay({ orgId: org.orgId, orgPublicKey: orgPublicKeyBytes(org) });
}, 120_000);

afterAll(async () => {
  await relay?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('valise-admin', () => {
  it('init-org keeps the root key encrypted and writes org.json', () => {
    const key = fs.readFileSync(path.join(dir, 'org-root.key'), 'utf8');
    expect(JSON.parse(key)).toMatchObject({ kdf: { algorithm: 'argon2id' }, cipher: 'aes-256-gcm', orgId: 'acme' });
    expect(fs.statSync(path.join(dir, 'org-root.key')).mode & 0o077).toBe(0);
    const org = readOrgConfig(path.join(dir, 'org.json'));
    expect(org).toMatchObject({ orgId: 'acme', relayUrl: 'ws://127.0.0.1:1' });
    expect(org.classifications.map((c) => c.label)).toContain('SECRET');
  });

  it('enrols a device end to end, revokes it and shows it all in the audit log', async () => {
    const added = await admin('add-user', '--relay', relay.url, '--name', 'Alice Martin', '--clearance', 'SECRET', '--roles', 'delegate,lead', '--json');
    expect(added.code, added.stderr).toBe(0);
    const { userId } = JSON.parse(added.stdout) as { userId: string };

    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: 'acme', userName: 'alice martin', deviceName: 'laptop', identity, registrationId: 3, nowMs: Date.now() });
    const device = await RelayClient.connect(relay.url);
    const certificate = new Promise<Uint8Array>((resolve) => device.onPush((p) => p.case === 'enrolment' && p.value.deviceCertificate.length > 0 && resolve(p.value.deviceCertificate)));
    const nonceRecord = new Promise<Uint8Array>((resolve) => device.onPush((p) => p.case === 'enrolment' && p.value.nonceRecord.length > 0 && resolve(p.value.nonceRecord)));
    const sub = await device.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');

    const early = await admin('approve', sub.requestId, '--code', '123456', '--relay', relay.url);
    expect(early.code).toBe(5);
    expect(early.stderr).toMatch(/no valid code yet/);

    // "pending" opens the request: the officer's nonce reaches the device, which derives its code
    // from its own request bytes; the officer's table shows the same code.
    const pending = await admin('pending', '--relay', relay.url, '--json');
    expect(pending.code, pending.stderr).toBe(0);
    const org = readOrgConfig(path.join(dir, 'org.json'));
    const root = orgIdentity(org.orgId, orgPublicKeyBytes(org)).rootPublicKey;
    const shown = enrolmentCode(root, { orgId: org.orgId, requestId: sub.requestId, request: req.encoded }, await nonceRecord);
    expect(JSON.parse(pending.stdout)).toEqual([expect.objectContaining({ requestId: sub.requestId, code: shown, userName: 'alice martin', matchedUserId: userId })]);
    const again = await admin('pending', '--relay', relay.url, '--json');
    expect(JSON.parse(again.stdout)).toEqual([expect.objectContaining({ requestId: sub.requestId, code: shown })]);

    const wrong = await admin('approve', sub.requestId, '--code', shown === '000000' ? '111111' : '000000', '--relay', relay.url);
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/does not match/);

    const ok = await admin('approve', sub.requestId, '--code', shown, '--relay', relay.url);
    expect(ok.code, ok.stderr).toBe(0);
    const cert = await certificate;
    await device.close();

    const live = await RelayClient.connect(relay.url);
    const auth = await live.authenticate(cert, (ch) => signAuthChallenge(identity.privateKey, ch));
    expect(auth).toMatchObject({ userId, deviceId: 1 });

    const users = await admin('users', '--relay', relay.url, '--json');
    expect(JSON.parse(users.stdout)).toEqual([expect.objectContaining({ userId, clearance: 'SECRET', level: 3, devices: '1' })]);

    expect((await admin('set-clearance', userId, '--clearance', 'RESTRICTED', '--relay', relay.url)).code).toBe(0);

    const revoked = await admin('revoke-device', userId, '1', '--reason', 'lost', '--relay', relay.url);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await live.closed).code).toBe(4003);

    const audit = await admin('audit', '--relay', relay.url, '--json');
    const events = (JSON.parse(audit.stdout) as { event: string }[]).map((e) => e.event);
    expect(events).toEqual(['member.added', 'enrolment.requested', 'enrolment.nonce-issued', 'enrolment.approved', 'clearance.changed', 'device.revoked']);
  }, 300_000); // eleven CLI processes, each unlocking the root key with Argon2id

  it('enrols an engine that joins, with the officer on the real CLI: pending, then approve --code', async () => {
    const added = await admin('add-user', '--relay', relay.url, '--name', 'Bruno Keller', '--clearance', 'SECRET', '--roles', 'delegate', '--json');
    expect(added.code, added.stderr).toBe(0);
    const { userId } = JSON.parse(added.stdout) as { userId: string };
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-join-'));
    const node = new Node(new Engine({ startRelay, profileDir: profile, keyProviders: { argon2: FAST_ARGON2 }, enrolmentPollMs: 100, deviceName: 'laptop' }), profile, userId);
    try {
      const orgJson = JSON.stringify({ ...readOrgConfig(path.join(dir, 'org.json')), relayUrl: relay.url });
      const joined = await node.call('joinOrganisation', { orgJson, displayName: 'Bruno Keller', keyProvider: 'passphrase', passphrase: PASSPHRASE });
      expect(joined.comparisonCode).toBeNull();
      // A look-alike request with another key, as a relay-side attacker would store.
      const lookAlike = createEnrolmentRequest({ orgId: 'acme', userName: 'Bruno Keller', deviceName: 'laptop', identity: IdentityKeyPair.generate(), registrationId: 3, nowMs: Date.now() });
      const attacker = await RelayClient.connect(relay.url);
      const fake = await attacker.request({ case: 'submitEnrolment', value: { request: lookAlike.encoded } }, 'enrolmentSubmitted');

      const pending = await admin('pending', '--relay', relay.url, '--json');
      expect(pending.code, pending.stderr).toBe(0);
      const rows = JSON.parse(pending.stdout) as { requestId: string; code: string; warning: string }[];
      const row = rows.find((r) => r.requestId === joined.requestId)!;
      const shown = await deviceCode(node);
      expect(row.code).toBe(shown);
      expect(row.warning).toMatch(/2 requests for this name/);

      const swapped = await admin('approve', fake.requestId, '--code', shown, '--relay', relay.url);
      expect(swapped.code).toBe(5);
      expect(swapped.stderr).toMatch(/does not match/);
      await attacker.close();
      const wrong = await admin('approve', joined.requestId, '--code', shown === '000000' ? '111111' : '000000', '--relay', relay.url);
      expect(wrong.code).toBe(5);
      expect((await node.call('status', {})).state).toBe('enrolling');
      const ok = await admin('approve', joined.requestId, '--code', shown, '--relay', relay.url);
      expect(ok.code, ok.stderr).toBe(0);
      await until(async () => (await node.call('status', {})).state === 'unlocked', 10_000, 'engine enrolled');
      expect(await node.call('status', {})).toMatchObject({ state: 'unlocked' });
    } finally {
      await node.engine.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses a wrong passphrase', async () => {
    const bad = path.join(dir, 'bad');
    fs.writeFileSync(bad, 'not the passphrase at all');
    const r = await run(process.execPath, [path.join(root, 'bin/valise-admin.js'), '--dir', dir, '--passphrase-file', bad, 'users', '--relay', relay.url], { timeout: 30_000 }).catch((e: { stderr: string; code: number }) => e);
    expect(r).toMatchObject({ code: 3 });
    expect((r as { stderr: string }).stderr).toMatch(/Wrong passphrase/);
  });
});

describe('npm run server', () => {
  it('starts from flags and org.json, logs JSON without content, and drains on SIGTERM', async () => {
    const data = path.join(dir, 'relay-data');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/main.ts'), '--org', path.join(dir, 'org.json'), '--port', '0', '--data-dir', data], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('relay did not start')), 30_000);
      child.stdout.on('data', (b: Buffer) => {
        for (const l of b.toString().split('\n').filter(Boolean)) {
          lines.push(l);
          const o = JSON.parse(l) as { msg: string; url?: string };
          if (o.msg === 'relay ready') {
            clearTimeout(t);
            resolve(o.url!);
          }
        }
      });
    });
    const c = await RelayClient.connect(url);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect((await c.closed).code).toBe(1001);
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(data, 'relay.db'))).toBe(true);
    expect(lines.some((l) => (JSON.parse(l) as { msg: string }).msg === 'relay stopped')).toBe(true);
  });
});
