/** Profiles end to end: create, unlock, change provider (every message kept), bad input, wipe. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyFileTampered, KeyProviderUnavailable, ProfileMissing, SchemaTooNew, StoreCorrupt, WrongKey } from './errors.ts';
import { PassphraseKeyProvider } from './keys/PassphraseKeyProvider.ts';
import { Pkcs11KeyProvider } from './keys/Pkcs11KeyProvider.ts';
import { Tpm2KeyProvider } from './keys/Tpm2KeyProvider.ts';
import { changeKeyProvider, createProfile, openProfile, profilePaths, profileProvider, wipeProfile } from './Profile.ts';
import { FAST_ARGON2, SOFTHSM_LIB, setUpSoftHsm, snapshot, startSwtpm, tempDir, type Swtpm } from '../../test/storage/support.ts';

const root = tempDir();
const hsm = setUpSoftHsm('valise-profile');
let tpm: Swtpm;
beforeAll(async () => {
  tpm = await startSwtpm();
});
afterAll(async () => {
  await tpm?.stop();
  hsm.cleanup();
  fs.rmSync(root, { recursive: true, force: true });
});
let n = 0;
const dirOf = () => path.join(root, `p${n++}`);
const pass = (pw = 'hunter2 hunter2') => new PassphraseKeyProvider(pw, FAST_ARGON2);

async function withMessages(dir: string) {
  const s = await createProfile(dir, pass());
  s.transaction((r) => {
    for (let i = 0; i < 100; i++) r.messages.insert({ id: `m${i}`, channelId: i % 2 ? 'a' : 'b', sender: 'x', sentAt: i, text: `note ${i}` });
  });
  s.close();
}

describe('profiles', () => {
  it('lays out one directory with the database and a key file, and reopens', async () => {
    const dir = dirOf();
    await withMessages(dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['key.json', 'valise.db']);
    expect((fs.statSync(profilePaths(dir).key).mode & 0o777).toString(8)).toBe('600');
    expect(profileProvider(dir)).toBe('passphrase');
    const s = await openProfile(dir, pass());
    expect(s.messages.count('a') + s.messages.count('b')).toBe(100);
    expect(s.messages.search('note 42')[0]!.id).toBe('m42');
    s.close();
  });

  it('moves through every provider (passphrase -> TPM with PIN -> PKCS#11 -> passphrase) keeping every message', async () => {
    const dir = dirOf();
    await withMessages(dir);
    const tpmP = new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '8642' });
    const tokenP = new Pkcs11KeyProvider({ library: SOFTHSM_LIB, tokenLabel: hsm.tokenLabel, pin: hsm.pin });
    await changeKeyProvider(dir, pass(), tpmP);
    expect(profileProvider(dir)).toBe('tpm2');
    await expect(openProfile(dir, pass())).rejects.toThrow(KeyProviderUnavailable);
    const beforeTpm = snapshot(dir);
    await expect(openProfile(dir, new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '0000' }))).rejects.toThrow(WrongKey);
    expect(snapshot(dir)).toEqual(beforeTpm);
    let s = await openProfile(dir, tpmP);
    expect(s.messages.count('a')).toBe(50);
    s.close();
    await changeKeyProvider(dir, tpmP, tokenP);
    const beforeToken = snapshot(dir);
    await expect(openProfile(dir, new Pkcs11KeyProvider({ library: SOFTHSM_LIB, tokenLabel: hsm.tokenLabel, pin: '999999' }))).rejects.toThrow(WrongKey);
    expect(snapshot(dir)).toEqual(beforeToken);
    s = await openProfile(dir, tokenP);
    expect(s.messages.count('b')).toBe(50);
    s.close();
    await changeKeyProvider(dir, tokenP, pass('new passphrase'));
    await expect(openProfile(dir, pass())).rejects.toThrow(WrongKey);
    s = await openProfile(dir, pass('new passphrase'));
    expect(s.messages.latest('a', 1)[0]!.text).toBe('note 99');
    s.close();
  });

  it('rotates the database key on a provider change, so an old key file with the old secret no longer opens it', async () => {
    const dir = dirOf();
    await withMessages(dir);
    const oldKeyFile = fs.readFileSync(profilePaths(dir).key);
    await changeKeyProvider(dir, pass(), pass('rotated'));
    fs.writeFileSync(profilePaths(dir).key, oldKeyFile);
    await expect(openProfile(dir, pass())).rejects.toThrow(/another profile|damaged/);
    expect(fs.readdirSync(dir).sort()).toEqual(['key.json', 'valise.db']);
  });

  it('recovers from a key change interrupted before or during the swap', async () => {
    // Interrupted before the swap: the copy and the pending key file are discarded.
    const dir = dirOf();
    await withMessages(dir);
    fs.copyFileSync(profilePaths(dir).db, `${profilePaths(dir).db}.rekey`);
    fs.writeFileSync(`${profilePaths(dir).key}.next`, '{}');
    let s = await openProfile(dir, pass());
    expect(s.messages.count('a')).toBe(50);
    s.close();
    expect(fs.readdirSync(dir).sort()).toEqual(['key.json', 'valise.db']);

    // Interrupted between the database rename and the key file rename: the new key file is taken.
    const oldKeyFile = fs.readFileSync(profilePaths(dir).key);
    await changeKeyProvider(dir, pass(), pass('next one'));
    fs.renameSync(profilePaths(dir).key, `${profilePaths(dir).key}.next`);
    fs.writeFileSync(profilePaths(dir).key, oldKeyFile);
    s = await openProfile(dir, pass('next one'));
    expect(s.messages.count('b')).toBe(50);
    s.close();
  });

  it('refuses to rotate the key of an open profile with unflushed writes', async () => {
    const dir = dirOf();
    await withMessages(dir);
    const s = await openProfile(dir, pass());
    s.messages.insert({ id: 'fresh', channelId: 'a', sender: 'x', sentAt: 1, text: 'still in the WAL' });
    await expect(changeKeyProvider(dir, pass(), pass('other'))).rejects.toThrow(/Close the profile/);
    s.close();
    await changeKeyProvider(dir, pass(), pass('other'));
    const again = await openProfile(dir, pass('other'));
    expect(again.messages.get('fresh')!.text).toBe('still in the WAL');
    again.close();
  });

  it('refuses a wrong passphrase with WrongKey and leaves every file byte-identical', async () => {
    const dir = dirOf();
    await withMessages(dir);
    const before = snapshot(dir);
    await expect(openProfile(dir, pass('wrong'))).rejects.toThrow(WrongKey);
    expect(snapshot(dir)).toEqual(before);
  });

  it('reports a truncated or corrupted database as StoreCorrupt and overwrites nothing', async () => {
    const dir = dirOf();
    await withMessages(dir);
    const db = profilePaths(dir).db;
    fs.truncateSync(db, 4096 + 100);
    const before = snapshot(dir);
    await expect(openProfile(dir, pass())).rejects.toThrow(StoreCorrupt);
    expect(snapshot(dir)).toEqual(before);

    const dir2 = dirOf();
    await withMessages(dir2);
    const raw = fs.readFileSync(profilePaths(dir2).db);
    raw.fill(0x41, 200, 400);
    fs.writeFileSync(profilePaths(dir2).db, raw);
    const before2 = snapshot(dir2);
    await expect(openProfile(dir2, pass())).rejects.toThrow(StoreCorrupt);
    expect(snapshot(dir2)).toEqual(before2);
  });

  it('detects a tampered key file, a swapped key file and a missing one', async () => {
    const dir = dirOf();
    await withMessages(dir);
    const keyFile = profilePaths(dir).key;
    const original = fs.readFileSync(keyFile, 'utf8');
    const json = JSON.parse(original) as { created: string; wrapped: Record<string, unknown> };
    fs.writeFileSync(keyFile, JSON.stringify({ ...json, created: '2020-01-01T00:00:00.000Z' }));
    await expect(openProfile(dir, pass())).rejects.toThrow(KeyFileTampered);
    fs.writeFileSync(keyFile, original.replace('"argon2id"', '"argon2i"'));
    await expect(openProfile(dir, pass())).rejects.toThrow(KeyFileTampered);
    fs.writeFileSync(keyFile, '{ not json');
    await expect(openProfile(dir, pass())).rejects.toThrow(KeyFileTampered);
    fs.writeFileSync(keyFile, JSON.stringify({ ...json, extra: 1 }));
    await expect(openProfile(dir, pass())).rejects.toThrow(KeyFileTampered);

    // Another profile's key file, same passphrase: it unwraps, but it is not this database's key.
    const other = dirOf();
    await withMessages(other);
    fs.copyFileSync(profilePaths(other).key, keyFile);
    const before = snapshot(dir);
    await expect(openProfile(dir, pass())).rejects.toThrow(/belongs to another profile/);
    expect(snapshot(dir)).toEqual(before);

    fs.rmSync(keyFile);
    await expect(openProfile(dir, pass())).rejects.toThrow(ProfileMissing);
  });

  it('refuses a profile written by a newer Valise', async () => {
    const dir = dirOf();
    await withMessages(dir);
    const s = await openProfile(dir, pass());
    s.db.pragma('user_version = 999');
    s.close();
    await expect(openProfile(dir, pass())).rejects.toThrow(SchemaTooNew);
  });

  it('whole-profile wipe destroys the key file and every database file', async () => {
    const dir = dirOf();
    await withMessages(dir);
    const s = await openProfile(dir, pass());
    s.messages.insert({ id: 'late', channelId: 'a', sender: 'x', sentAt: 1000, text: 'in the WAL' });
    wipeProfile(dir, s);
    expect(fs.existsSync(dir)).toBe(false);
    await expect(openProfile(dir, pass())).rejects.toThrow(ProfileMissing);
    // A new profile can be created in its place.
    (await createProfile(dir, pass())).close();
  });
});
