/**
 * The valise CLI as a newcomer meets it: people and channels by name, an ambiguous name refused
 * with its candidates, tail printing what arrived while it caught up and ending on a wipe with
 * its own exit code, wipe-status by the wiped channel's name, and a relay that is down said
 * plainly (status) and failing fast (create-channel) instead of promising to keep trying.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exitCodes.ts';
import { PASSPHRASE, Scenario, until } from './harness.ts';
import { runValise } from './runValise.ts';

const valise = (args: string[], timeoutMs?: number) => runValise(args, { passphrase: PASSPHRASE, ...(timeoutMs ? { timeoutMs } : {}) });

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('valise CLI, first hour', () => {
  it('names people and channels, tails the catch-up, ends tail on a wipe, reports a relay that is down', { timeout: 180_000 }, async () => {
    sc = await new Scenario().start();
    await sc.org.addUser('alice', { name: 'Alice', clearance: 3, roles: ['delegate', 'lead'] });
    await sc.org.addUser('bob', { name: 'Bob', clearance: 2, roles: ['delegate'] });
    await sc.org.addUser('dana-1', { name: 'Dana', clearance: 3, roles: ['delegate'] });
    await sc.org.addUser('dana-2', { name: 'Dana', clearance: 3, roles: ['delegate'] });
    let alice = await sc.join('alice');
    const bob = await sc.join('bob');
    await alice.engine.close();
    const a = ['--profile', alice.dir];

    const none = await valise([...a, 'channels']);
    expect(none.stdout.trim()).toBe('(none)');

    // A name is enough, and a person not cleared is named with their clearance.
    const notCleared = await valise([...a, 'create-channel', 'Too high', '--classification', 'SECRET', '--members', 'Bob']);
    expect(notCleared.code).toBe(EXIT.refused);
    expect(notCleared.stderr).toContain('Bob (CONFIDENTIAL)');
    const ambiguous = await valise([...a, 'create-channel', 'Two Danas', '--classification', 'SECRET', '--members', 'Dana']);
    expect(ambiguous.code).toBe(EXIT.usage);
    expect(ambiguous.stderr).toContain('dana-1  Dana');
    expect(ambiguous.stderr).toContain('dana-2  Dana');
    const created = await valise([...a, '--json', 'create-channel', 'Tariff talks', '--classification', 'CONFIDENTIAL', '--members', 'bob']);
    expect(created.code, created.stderr).toBe(0);
    const channelId = (JSON.parse(created.stdout) as { id: string }).id;
    await until(async () => (await bob.call('listChannels', {})).channels.length === 1, 15_000, 'bob sees the channel');

    // Bob's message arrives while Alice's tail catches up: it is printed, not only stored.
    await bob.call('send', { channelId, text: 'sent while you were away' });
    await bob.engine.current!.outboxIdle;
    const caughtUp = await valise([...a, 'tail', 'Tariff talks', '--count', '1', '--timeout', '30']);
    expect(caughtUp.code).toBe(0);
    expect(caughtUp.stdout).toContain('Bob: sent while you were away');

    // A wipe while Bob tails is printed and ends tail with its own exit code.
    await bob.engine.close();
    alice = await sc.restart(alice);
    await alice.online();
    let out = '';
    const tailing = runValise(['--profile', bob.dir, 'tail', 'Tariff talks', '--timeout', '60'], { passphrase: PASSPHRASE, onStdout: (c) => (out += c) });
    // Bob's tail is watching once it prints what Alice sends now.
    await until(async () => {
      if (out.includes('live line')) return true;
      await alice.call('send', { channelId, text: 'live line' });
      await new Promise((r) => setTimeout(r, 3000));
      return out.includes('live line');
    }, 40_000, "bob's tail prints a live message");
    await alice.call('wipe', { channelId, confirmName: 'Tariff talks' });
    const t = await tailing;
    expect(t.code).toBe(EXIT.gone);
    expect(t.stdout).toContain('"Tariff talks" was wiped');

    // After the wipe the channel is gone, but its wipe is still found by the name it had.
    await until(async () => (await alice.call('wipeStatus', { channelId })).confirmed.length === 2, 15_000, 'both receipts');
    await alice.engine.close();
    const ws = await valise([...a, 'wipe-status', 'Tariff talks']);
    expect(ws.code, ws.stderr).toBe(0);
    expect(ws.stdout).toContain('Wiped on 2 of 2 devices');

    // The relay goes away: status says so, create-channel fails fast and promises nothing.
    await sc.org.stop();
    const st = await valise([...a, 'status']);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('relay: unreachable');
    const started = Date.now();
    const offline = await valise([...a, 'create-channel', 'Later', '--classification', 'RESTRICTED', '--members', 'Bob']);
    expect(offline.code).toBe(EXIT.offline);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(offline.stderr).toContain('cannot be reached');
    expect(offline.stderr).not.toContain('keeps trying');
  });

  it('says what is missing: no profile, no passphrase without a terminal; usage errors exit alike', { timeout: 120_000 }, async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-none-'));
    try {
      const st = await valise(['--profile', path.join(empty, 'nobody'), 'status']);
      expect(st.code).toBe(EXIT.locked);
      expect(st.stderr).toContain('There is no profile at');

      const org = path.join(empty, 'org.json');
      fs.writeFileSync(org, '{}');
      const enrol = await runValise(['--profile', path.join(empty, 'new'), 'enroll', '--org', org, '--name', 'Eve'], { passphrase: '' });
      expect(enrol.code).toBe(EXIT.locked);
      expect(enrol.stderr).toContain('VALISE_PASSPHRASE');
      expect(enrol.stderr).toContain('--passphrase-file');
      expect(enrol.stderr).not.toContain('could not be unlocked');

      const missingOrg = await valise(['--profile', path.join(empty, 'new'), 'enroll', '--org', 'nowhere/org.json', '--name', 'Eve']);
      expect(missingOrg.stderr).toContain(path.resolve('nowhere/org.json'));

      expect((await valise(['frobnicate'])).code).toBe(EXIT.usage);
      const admin = await runAdmin(['frobnicate'], empty);
      expect(admin.code).toBe(EXIT.usage);
      const adminMissing = await runAdmin(['users', '--dir', path.join(empty, 'no-org')], empty);
      expect(adminMissing.code).toBe(EXIT.locked);
      expect(adminMissing.stderr).toContain(path.join(empty, 'no-org', 'org.json'));
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

function runAdmin(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const bin = path.resolve(import.meta.dirname, '../../bin/valise-admin.js');
    const p = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, VALISE_ADMIN_PASSPHRASE: 'admin passphrase 1234' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`valise-admin ${args.join(' ')} timed out`));
    }, 30_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
