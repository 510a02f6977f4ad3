/**
 * The headless CLI on the same engine, as a script would use it: enrol (comparison code on
 * stdout, approved by the security office), create a channel, send, tail; exit codes and --json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, orgJson, until } from './harness.ts';
import { runValise } from './runValise.ts';

const PASS = 'cli passphrase 1234';

const valise = (args: string[], onStdout?: (chunk: string) => void, timeoutMs?: number) =>
  runValise(args, { passphrase: PASS, ...(onStdout ? { onStdout } : {}), ...(timeoutMs ? { timeoutMs } : {}) });

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('valise CLI', () => {
  it('enrols, creates a channel, sends and reports errors with exit codes', { timeout: 150_000 }, async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const bob = await sc.join('bob');
    const profile = sc.profileDir();
    const orgFile = path.join(profile, '..', `${path.basename(profile)}-org.json`);
    fs.writeFileSync(orgFile, orgJson(sc.org));
    const base = ['--profile', profile, '--json'];

    // The CLI shows no code until the officer opens the request, then the code it derived.
    let approving = false;
    let shownCode: (code: string) => void = () => {};
    const shown = new Promise<string>((resolve) => (shownCode = resolve));
    const enrol = await valise([...base, 'enroll', '--org', orgFile, '--name', 'alice'], (chunk) => {
      for (const l of chunk.split('\n').filter(Boolean)) {
        const j = JSON.parse(l) as { state?: string; comparisonCode?: string | null; requestId?: string };
        if (j.state === 'pending' && !approving) {
          approving = true;
          expect(j.comparisonCode).toBeNull();
          void sc.approve(j.requestId!, () => shown);
        }
        if (j.state === 'code') shownCode(j.comparisonCode!);
      }
    });
    fs.rmSync(orgFile);
    expect(enrol.code).toBe(0);
    expect(enrol.stdout).toContain('"approved"');

    const created = await valise([...base, 'create-channel', 'Talks', '--classification', 'CONFIDENTIAL', '--members', 'bob', '--lifetime', '24h']);
    expect(created.code).toBe(0);
    const ch = JSON.parse(created.stdout) as { id: string; policy: { messageLifetimeMs: number } };
    expect(ch.policy.messageLifetimeMs).toBe(86_400_000);
    await until(async () => (await bob.call('listChannels', {})).channels.length === 1, 10_000, 'bob sees the channel');

    const sent = await valise([...base, 'send', 'Talks', 'hello from the shell']);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ delivery: 'sent' });
    await bob.waitText('hello from the shell');

    const tail = valise([...base, 'tail', 'Talks', '--count', '1', '--timeout', '40']);
    await new Promise((r) => setTimeout(r, 4000));
    await bob.call('send', { channelId: ch.id, text: 'reply to the shell' });
    const t = await tail;
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('reply to the shell');

    expect((await valise([...base, 'send', 'Nowhere', 'x'])).code).toBe(6);
    expect((await valise([...base, 'frobnicate'])).code).toBe(2);
    const paused = await valise([...base, 'pause', 'Talks', '--reason', 'incident']);
    expect(paused.code).toBe(0);
    const refused = await valise([...base, 'send', 'Talks', 'during the pause']);
    expect(refused.code).toBe(5);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'CHANNEL_PAUSED' } });
    const wrong = await runValise([...base, 'channels'], { passphrase: 'wrong passphrase' });
    expect(wrong.code).toBe(3);
  });

  it('a device enrolled from the shell is reachable at once and reads what waited for it', { timeout: 150_000 }, async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('carol');
    const alice = await sc.join('alice');
    const profile = sc.profileDir();
    const orgFile = path.join(profile, '..', `${path.basename(profile)}-org.json`);
    fs.writeFileSync(orgFile, orgJson(sc.org));
    const base = ['--profile', profile, '--json'];
    let shownCode: (code: string) => void = () => {};
    const shown = new Promise<string>((resolve) => (shownCode = resolve));
    const enrol = await valise([...base, 'enroll', '--org', orgFile, '--name', 'carol'], (chunk) => {
      for (const l of chunk.split('\n').filter(Boolean)) {
        const j = JSON.parse(l) as { state?: string; comparisonCode?: string | null; requestId?: string };
        if (j.state === 'pending') void sc.approve(j.requestId!, () => shown);
        if (j.state === 'code') shownCode(j.comparisonCode!);
      }
    });
    expect(enrol.code).toBe(0);
    // Enrolment ends only once the device has published its keys: a colleague can write at once.
    expect(enrol.stdout).toContain('"online":true');

    const ch = await alice.call('createChannel', { name: 'Welcome', classification: 1, memberUserIds: ['carol'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'first words for carol' });
    await until(async () => (await alice.call('listMessages', { channelId: ch.id })).messages[0]?.delivery !== 'pending', 10_000, 'sent');
    expect((await alice.call('listMessages', { channelId: ch.id })).messages[0]?.delivery).not.toBe('failed');

    // The channel and its message waited in the relay's queue: the first command sees both.
    const channels = await valise([...base, 'channels']);
    expect(JSON.parse(channels.stdout).channels.map((c: { name: string }) => c.name)).toEqual(['Welcome']);
    const tail = await valise([...base, 'tail', 'Welcome', '--history', '5', '--timeout', '2']);
    expect(tail.stdout).toContain('first words for carol');

    // A catch-up larger than one page of history (and large enough for the decrypting worker):
    // `--history` pages back through all of it, oldest first.
    for (let i = 0; i < 520; i++) await alice.call('send', { channelId: ch.id, text: `later ${i}` });
    await alice.engine.current!.outboxIdle;
    const long = await valise([...base, 'tail', 'Welcome', '--history', '600', '--timeout', '1']);
    const texts = long.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
    expect(texts).toEqual(['first words for carol', ...Array.from({ length: 520 }, (_, i) => `later ${i}`)]);
  });
});
