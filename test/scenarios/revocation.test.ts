/** A revoked device erases its own profile and says so; the API then reports a fresh start. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { KeyProviderUnavailable, Pkcs11KeyProvider, type WrappedFields } from '../../src/storage/index.ts';
import { SOFTHSM_LIB, setUpSoftHsm } from '../storage/support.ts';
import { deviceCode, orgJson, Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('revocation', () => {
  it('wipes the profile of a revoked device while it is connected', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');
    const ch = await alice.call('createChannel', { name: 'Desk', classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'before revocation' });
    await bob.waitText('before revocation');
    expect(fs.existsSync(path.join(bob.dir, 'valise.db'))).toBe(true);

    await sc.revoke('bob');
    await until(() => bob.events.some((e) => e.type === 'locked' && e.reason === 'revoked'), 10_000, 'revocation');
    expect(bob.events.some((e) => e.type === 'connection' && e.state === 'revoked')).toBe(true);
    for (const f of ['valise.db', 'valise.db-wal', 'key.json', 'profile.json']) expect(fs.existsSync(path.join(bob.dir, f))).toBe(false);
    expect((await bob.call('status', {})).state).toBe('no-profile');
    await expect(bob.call('listChannels', {})).rejects.toMatchObject({ code: 'NOT_ENROLLED' });
  });
});

describe('revocation of a device whose key is on a security token', () => {
  it('destroys the profile’s token key too, so a copy of the key file opens nothing', async () => {
    const hsm = setUpSoftHsm('valise-revoke');
    try {
      sc = await new Scenario().start();
      await sc.user('bob');
      const env = { VALISE_PKCS11_LIBRARY: SOFTHSM_LIB, VALISE_PKCS11_TOKEN: hsm.tokenLabel, VALISE_PKCS11_PIN: hsm.pin };
      const bob = sc.engine(sc.profileDir(), 'bob', { keyProviders: { env } });
      const { requestId } = await bob.call('joinOrganisation', { orgJson: orgJson(sc.org), displayName: 'bob', keyProvider: 'pkcs11' });
      await sc.approve(requestId, () => deviceCode(bob));
      await until(async () => (await bob.call('status', {})).state === 'unlocked', 10_000, 'bob enrolled');
      await bob.online();
      const keyFile = fs.readFileSync(path.join(bob.dir, 'key.json'), 'utf8');
      const fields = (JSON.parse(keyFile) as { wrapped: WrappedFields }).wrapped;
      const token = new Pkcs11KeyProvider({ library: SOFTHSM_LIB, tokenLabel: hsm.tokenLabel, pin: hsm.pin });
      expect(await token.unwrap(fields)).toHaveLength(32);

      await sc.revoke('bob');
      await until(() => bob.events.some((e) => e.type === 'locked' && e.reason === 'revoked'), 10_000, 'revocation');
      expect(fs.existsSync(path.join(bob.dir, 'key.json'))).toBe(false);
      // A copy of key.json taken before, with the right PIN, no longer opens anything.
      await expect(token.unwrap(fields)).rejects.toThrow(KeyProviderUnavailable);
    } finally {
      hsm.cleanup();
    }
  });
});
