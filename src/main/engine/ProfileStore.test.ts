import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, generateOrgRootKey } from '../../crypto/index.ts';
import { DEFAULT_SETTINGS } from '../../shared/api/schemas.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import type { OrgConfig } from './OrgConfig.ts';
import { ProfileStore } from './ProfileStore.ts';

const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASS = 'correct horse battery staple';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fresh(): ProfileStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-ps-'));
  dirs.push(dir);
  return new ProfileStore(dir, { argon2: FAST_ARGON2 });
}

const ORG: OrgConfig = {
  orgId: 'org-a', name: 'Delegation', orgPublicKey: generateOrgRootKey().publicKey.serialize(), relayUrl: 'ws://127.0.0.1:1',
  relayPinSha256: null, classifications: [...DEFAULT_CLASSIFICATIONS], recordsUserId: null, local: false,
};

describe('ProfileStore', () => {
  it('keeps the engine’s records encrypted across a lock and an unlock', async () => {
    const p = fresh();
    await p.create('passphrase', PASS);
    p.writeMeta({ version: 1, keyProvider: 'passphrase', orgName: 'Delegation', local: false, state: 'enrolling' });
    const identity = generateDeviceIdentity();
    p.saveIdentity(identity);
    p.setOrg(ORG);
    p.setEnrolment({ requestId: 'r1', code: null, request: 'ab', displayName: 'Bob', state: 'pending' });
    p.setSettings({ sendOnEnter: false });
    p.close();
    expect(p.store).toBeNull();
    expect(() => p.org()).toThrow(expect.objectContaining({ code: 'NOT_ENROLLED' }));
    expect(() => p.need()).toThrow(expect.objectContaining({ code: 'LOCKED' }));
    // Nothing readable on disk: the org name is in profile.json only, for the lock screen.
    expect(fs.readFileSync(path.join(p.dir, 'valise.db')).includes(Buffer.from('ws://127.0.0.1:1'))).toBe(false);

    await p.unlock(PASS);
    expect(p.org()).toMatchObject({ orgId: 'org-a', relayUrl: 'ws://127.0.0.1:1', classifications: DEFAULT_CLASSIFICATIONS });
    expect((await p.loadIdentity()).identityKeyPair.publicKey.equals(identity.identityKeyPair.publicKey)).toBe(true);
    expect(p.enrolment()).toMatchObject({ requestId: 'r1', state: 'pending' });
    expect(p.settings()).toEqual({ ...DEFAULT_SETTINGS, sendOnEnter: false });
    p.approved({ userId: 'bob', deviceId: 1, displayName: 'Bob', clearance: 1, orgRoles: ['delegate'], deviceCertificate: '00', memberCertificate: '00' });
    expect(p.me()).toMatchObject({ userId: 'bob' });
    expect(p.enrolment()?.state).toBe('approved');
    p.close();
  });

  it('refuses a wrong passphrase, a second profile, and an unlock without one', async () => {
    const p = fresh();
    await expect(p.unlock(PASS)).rejects.toMatchObject({ code: 'NOT_ENROLLED' });
    expect(() => p.need()).toThrow(expect.objectContaining({ code: 'NOT_ENROLLED' }));
    await p.create('passphrase', PASS);
    p.writeMeta({ version: 1, keyProvider: 'passphrase', orgName: 'D', local: false, state: 'ready' });
    p.close();
    await expect(p.unlock('not the passphrase')).rejects.toMatchObject({ code: 'UNLOCK_FAILED' });
    await expect(p.create('passphrase', PASS)).rejects.toMatchObject({ code: 'ALREADY_ENROLLED' });
  });

  it('counts local serials from 3 and keeps the local root', async () => {
    const p = fresh();
    await p.create('passphrase', PASS);
    expect(p.localRoot()).toBeNull();
    const root = generateOrgRootKey();
    p.setLocalRoot(root);
    expect(p.localRoot()!.publicKey.serialize()).toEqual(root.publicKey.serialize());
    expect([p.nextLocalSerial(), p.nextLocalSerial()]).toEqual([3, 4]);
    expect(p.localRelayPort()).toBe(0);
    p.setLocalRelayPort(4321);
    expect(p.localRelayPort()).toBe(4321);
    p.close();
  });

  it('erases the key file, the database and the meta file', async () => {
    const p = fresh();
    await p.create('passphrase', PASS);
    p.writeMeta({ version: 1, keyProvider: 'passphrase', orgName: 'D', local: false, state: 'ready' });
    p.setOrg(ORG);
    expect(await p.erase()).toEqual([]);
    for (const f of ['key.json', 'valise.db', 'profile.json']) expect(fs.existsSync(path.join(p.dir, f))).toBe(false);
    expect(p.meta()).toBeNull();
    expect(p.store).toBeNull();
  });
});
