/** Against a real (software) TPM 2.0: swtpm on a free loopback port, driven by tpm2-tools. */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyProviderUnavailable, WrongKey } from '../errors.ts';
import { changeKeyProvider, createProfile, destroyProfileKey, openProfile, profilePaths, unlockKey, wipeProfile } from '../Profile.ts';
import { PassphraseKeyProvider } from './PassphraseKeyProvider.ts';
import { Tpm2KeyProvider } from './Tpm2KeyProvider.ts';
import { FAST_ARGON2, startSwtpm, tempDir, type Swtpm } from '../../../test/storage/support.ts';

let tpm: Swtpm;
let other: Swtpm;
beforeAll(async () => {
  tpm = await startSwtpm();
  other = await startSwtpm();
});
afterAll(async () => {
  await tpm?.stop();
  await other?.stop();
});

const TOOLS = ['tpm2_createprimary', 'tpm2_create', 'tpm2_load', 'tpm2_unseal', 'tpm2_flushcontext', 'tpm2_evictcontrol', 'tpm2_readpublic'];

/** A PATH directory whose tpm2 tools log their argv (one line per run) and then run the real tool. */
function loggingTools(): { dir: string; log: string; runs(): string[] } {
  const dir = tempDir('valise-tpm-shims-');
  const log = path.join(dir, 'argv.log');
  for (const t of TOOLS) {
    const real = execFileSync('sh', ['-c', `command -v ${t}`]).toString().trim();
    fs.writeFileSync(path.join(dir, t), `#!/bin/sh\necho "$0 $*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  }
  return { dir, log, runs: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('Tpm2KeyProvider', () => {
  it('seals and unseals the key without a PIN, repeatedly (transient contexts are flushed)', async () => {
    const key = crypto.randomBytes(32);
    const p = new Tpm2KeyProvider({ tcti: tpm.tcti });
    const fields = await p.wrap(key);
    expect(JSON.stringify(fields)).not.toContain(key.toString('base64'));
    expect(fields['pin']).toBe(false);
    for (let i = 0; i < 5; i++) expect(await p.unwrap(fields)).toEqual(key);
  });

  it('requires the right PIN when sealed with one', async () => {
    const key = crypto.randomBytes(32);
    const fields = await new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '2468' }).wrap(key);
    expect(await new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '2468' }).unwrap(fields)).toEqual(key);
    await expect(new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '1357' }).unwrap(fields)).rejects.toThrow(WrongKey);
    await expect(new Tpm2KeyProvider({ tcti: tpm.tcti }).unwrap(fields)).rejects.toThrow(WrongKey);
    // A wrong PIN must not leave objects loaded: the right PIN still works on a TPM without resource manager.
    expect(await new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '2468' }).unwrap(fields)).toEqual(key);
  });

  it('erasing the profile destroys its TPM key: a copy of key.json taken before opens nothing on the same TPM', async () => {
    const dir = tempDir('valise-tpm-profile-');
    const provider = () => new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '7531' });
    try {
      const store = await createProfile(dir, provider());
      store.close();
      const keyFile = profilePaths(dir).key;
      const copy = fs.readFileSync(keyFile);
      (await openProfile(dir, provider())).close();
      expect(await destroyProfileKey(dir, provider())).toEqual([]);
      wipeProfile(dir);
      // Someone kept the earlier key file and puts it back on the same machine, with the right PIN.
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(keyFile, copy);
      await expect(unlockKey(dir, provider())).rejects.toThrow(KeyProviderUnavailable);
      await expect(unlockKey(dir, provider())).rejects.toThrow(/erased/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moving the profile off the TPM destroys its TPM key, so the key file of before opens nothing', async () => {
    const dir = tempDir('valise-tpm-rekey-');
    const tpmP = () => new Tpm2KeyProvider({ tcti: tpm.tcti });
    try {
      (await createProfile(dir, tpmP())).close();
      const before = JSON.parse(fs.readFileSync(profilePaths(dir).key, 'utf8')) as { wrapped: Record<string, string | number | boolean> };
      expect(await tpmP().unwrap(before.wrapped)).toHaveLength(32);
      await changeKeyProvider(dir, tpmP(), new PassphraseKeyProvider('correct horse', FAST_ARGON2), { rotateDatabaseKey: false });
      await expect(tpmP().unwrap(before.wrapped)).rejects.toThrow(/erased/);
      (await openProfile(dir, new PassphraseKeyProvider('correct horse', FAST_ARGON2))).close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('destroying one profile leaves another on the same TPM working, and destroying twice is harmless', async () => {
    const key = crypto.randomBytes(32);
    const p = new Tpm2KeyProvider({ tcti: tpm.tcti });
    const mine = await p.wrap(key);
    const other = await p.wrap(key);
    expect(mine['handle']).not.toBe(other['handle']);
    await p.destroy(mine);
    await expect(p.unwrap(mine)).rejects.toThrow(KeyProviderUnavailable);
    await p.destroy(mine);
    expect(await p.unwrap(other)).toEqual(key);
    await p.destroy(other);
  });

  it('never evicts a TPM object that is not the profile\'s own, even when the key file names its handle', async () => {
    const key = crypto.randomBytes(32);
    const p = new Tpm2KeyProvider({ tcti: tpm.tcti });
    const victim = await p.wrap(key);
    const forged = await p.wrap(key);
    // A key file altered to name another profile's handle: destroy must leave that object alone.
    await p.destroy({ ...forged, handle: victim['handle']! });
    expect(await p.unwrap(victim)).toEqual(key);
    // Handles outside the range this provider uses are refused outright.
    await expect(p.destroy({ ...forged, handle: '0x81000001' })).rejects.toThrow(/key file/);
    await expect(p.unwrap({ ...forged, handle: '0x81000001' })).rejects.toThrow(/key file/);
    await p.destroy(victim);
    await p.destroy(forged);
  });

  it('never puts the key or the PIN on a command line, and unlocks with three tool runs', async () => {
    const shims = loggingTools();
    const savedPath = process.env['PATH'];
    process.env['PATH'] = `${shims.dir}:${savedPath}`;
    try {
      const key = crypto.randomBytes(32);
      const pin = 'pin-8b1f2c';
      const p = new Tpm2KeyProvider({ tcti: tpm.tcti, pin });
      const fields = await p.wrap(key);
      const sealRuns = shims.runs().length;
      expect(await p.unwrap(fields)).toEqual(key);
      const runs = shims.runs();
      expect(runs.length - sealRuns).toBe(3);
      await p.destroy(fields);
      const argv = runs.join('\n');
      for (const secret of [pin, key.toString('hex'), key.toString('base64'), key.toString('latin1')]) expect(argv).not.toContain(secret);
    } finally {
      process.env['PATH'] = savedPath;
      fs.rmSync(shims.dir, { recursive: true, force: true });
    }
  });

  it('unlocks a key sealed by the earlier one-tool-per-process provider (same parent, same fields); its destroy is a no-op', async () => {
    // What the provider wrote before it ran the tools from one shell: same primary, same blobs.
    const dir = tempDir('valise-tpm-old-');
    const env = { ...process.env, TPM2TOOLS_TCTI: tpm.tcti };
    const run = (argv: string[], input?: Buffer) => execFileSync(argv[0]!, argv.slice(1), { env, ...(input ? { input } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const key = crypto.randomBytes(32);
      fs.writeFileSync(path.join(dir, 'pin'), '4321', { mode: 0o600 });
      run(['tpm2_createprimary', '-C', 'o', '-g', 'sha256', '-G', 'ecc256', '-c', path.join(dir, 'primary.ctx')]);
      run(['tpm2_flushcontext', '-t']);
      run(['tpm2_create', '-C', path.join(dir, 'primary.ctx'), '-i', '-', '-u', path.join(dir, 'seal.pub'), '-r', path.join(dir, 'seal.priv'), '-p', `file:${path.join(dir, 'pin')}`], key);
      run(['tpm2_flushcontext', '-t']);
      const fields = {
        parent: 'owner-ecc256',
        pin: true,
        pub: fs.readFileSync(path.join(dir, 'seal.pub')).toString('base64'),
        priv: fs.readFileSync(path.join(dir, 'seal.priv')).toString('base64'),
      };
      expect(await new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '4321' }).unwrap(fields)).toEqual(key);
      await new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '4321' }).destroy(fields);
      expect(await new Tpm2KeyProvider({ tcti: tpm.tcti, pin: '4321' }).unwrap(fields)).toEqual(key);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cannot unseal on another TPM', async () => {
    const fields = await new Tpm2KeyProvider({ tcti: tpm.tcti }).wrap(crypto.randomBytes(32));
    await expect(new Tpm2KeyProvider({ tcti: other.tcti }).unwrap(fields)).rejects.toThrow(KeyProviderUnavailable);
  });

  it('fails clearly when no TPM answers', async () => {
    await expect(new Tpm2KeyProvider({ tcti: 'swtpm:host=127.0.0.1,port=1' }).wrap(crypto.randomBytes(32))).rejects.toThrow(KeyProviderUnavailable);
    await expect(new Tpm2KeyProvider({ tcti: 'swtpm:host=127.0.0.1,port=1' }).unwrap({ parent: 'owner-ecc256', pin: false, pub: 'AA==', priv: 'AA==' })).rejects.toThrow(
      KeyProviderUnavailable,
    );
  });
});
