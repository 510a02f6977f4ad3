import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, generateOrgRootKey, issueDeviceCertificate, issueMemberCertificate, issueRevocation } from '../../crypto/index.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { systemClock } from './Clock.ts';
import { Lifecycle } from './Lifecycle.ts';
import { ProfileStore } from './ProfileStore.ts';

const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASS = 'correct horse battery staple';
const DAY = 86_400_000;
const dirs: string[] = [];
const open: Lifecycle[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close().catch(() => undefined);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** An enrolled profile (real certificates from a real org root) whose relay is nowhere: the session stays offline. */
async function enrolled() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-lc-'));
  dirs.push(dir);
  const root = generateOrgRootKey();
  const profile = new ProfileStore(dir, { argon2: FAST_ARGON2 });
  await profile.create('passphrase', PASS);
  profile.writeMeta({ version: 1, keyProvider: 'passphrase', orgName: 'Delegation', local: false, state: 'ready' });
  const identity = generateDeviceIdentity();
  profile.saveIdentity(identity);
  profile.setOrg({ orgId: 'org-a', name: 'Delegation', orgPublicKey: root.publicKey.serialize(), relayUrl: 'ws://127.0.0.1:1', relayPinSha256: null, classifications: [...DEFAULT_CLASSIFICATIONS], recordsUserId: null, local: false });
  const now = Date.now();
  const member = issueMemberCertificate(root.privateKey, { orgId: 'org-a', serial: 1, userId: 'bob', displayName: 'Bob', clearance: 1, roles: ['delegate'], notBeforeMs: now - DAY, notAfterMs: now + DAY });
  const device = issueDeviceCertificate(root.privateKey, { orgId: 'org-a', serial: 2, userId: 'bob', deviceId: 1, identityKey: identity.identityKeyPair.publicKey, notBeforeMs: now - DAY, notAfterMs: now + DAY });
  const me = { userId: 'bob', deviceId: 1, displayName: 'Bob', clearance: 1, orgRoles: ['delegate' as const], deviceCertificate: Buffer.from(device).toString('hex'), memberCertificate: Buffer.from(member).toString('hex') };
  profile.approved(me);
  const events: ApiEvent[] = [];
  const lifecycle = new Lifecycle({ profile, clock: systemClock, log: pino({ level: 'silent' }), emit: (e) => events.push(e) });
  open.push(lifecycle);
  const revoke = (target: 'device' | 'member', serial: number, by = root) => issueRevocation(by.privateKey, { orgId: 'org-a', target, revokedSerial: serial, revokedAtMs: now, reason: 'lost' });
  return { dir, profile, lifecycle, events, me, revoke };
}

const kept = (dir: string) => ['key.json', 'valise.db', 'profile.json'].every((f) => fs.existsSync(path.join(dir, f)));

describe('Lifecycle', () => {
  it('opens the session of an enrolled profile and closes it on lock', async () => {
    const { lifecycle, profile } = await enrolled();
    expect(lifecycle.status()).toMatchObject({ state: 'locked', me: null });
    expect(() => lifecycle.need()).toThrow(expect.objectContaining({ code: 'LOCKED' }));
    await lifecycle.open();
    expect(lifecycle.status()).toMatchObject({ state: 'unlocked', me: { userId: 'bob', deviceId: '1' }, org: { name: 'Delegation' } });
    expect(lifecycle.need()).toBe(lifecycle.session);
    await lifecycle.close();
    expect(lifecycle.session).toBeNull();
    expect(profile.store).toBeNull();
    expect(lifecycle.status().state).toBe('locked');
  });

  it('erases nothing on the relay’s word: no proof, garbage, or a genuine revocation of someone else', async () => {
    const { lifecycle, dir, me, revoke, events } = await enrolled();
    await lifecycle.open();
    const otherRoot = generateOrgRootKey();
    for (const claim of [new Uint8Array(), new Uint8Array(64).fill(1), revoke('device', 9), revoke('member', 2), revoke('device', 2, otherRoot)]) {
      expect(lifecycle.revocationClaimed(claim, me)).toBe(false);
    }
    await lifecycle.serial(async () => undefined);
    expect(kept(dir)).toBe(true);
    expect(lifecycle.session).not.toBeNull();
    expect(events.some((e) => e.type === 'locked')).toBe(false);
  });

  it('erases the profile on the organisation’s revocation of this device, or of its member', async () => {
    for (const [target, serial] of [['device', 2], ['member', 1]] as const) {
      const { lifecycle, dir, me, revoke, events } = await enrolled();
      await lifecycle.open();
      expect(lifecycle.revocationClaimed(revoke(target, serial), me)).toBe(true);
      await lifecycle.serial(async () => undefined);
      for (const f of ['key.json', 'valise.db', 'profile.json']) expect(fs.existsSync(path.join(dir, f))).toBe(false);
      expect(lifecycle.session).toBeNull();
      expect(lifecycle.status().state).toBe('no-profile');
      expect(events.filter((e) => e.type === 'connection' || e.type === 'locked').slice(-2)).toEqual([
        { type: 'connection', state: 'revoked', nextAttemptAt: null },
        { type: 'locked', reason: 'revoked' },
      ]);
    }
  });

  it('runs lifecycle changes one at a time, in order, past a failure', async () => {
    const { lifecycle } = await enrolled();
    const order: string[] = [];
    const slow = lifecycle.serial(async () => {
      await new Promise((r) => setTimeout(r, 30));
      order.push('first');
      throw new Error('failed');
    });
    const next = lifecycle.serial(async () => void order.push('second'));
    await expect(slow).rejects.toThrow('failed');
    await next;
    expect(order).toEqual(['first', 'second']);
  });
});
