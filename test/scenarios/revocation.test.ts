/** A revoked device erases its own profile and says so; the API then reports a fresh start. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until } from './harness.ts';

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
