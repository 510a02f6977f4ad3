/**
 * Each failure of the CLI says what it is: a status whose unlock fails exits with the unlock's
 * error, not "locked" and 0; a missing passphrase and a damaged database have their own codes and
 * messages; an empty text is refused as such.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { profilePaths } from '../../src/storage/index.ts';
import { PASSPHRASE, Scenario } from './harness.ts';
import { runValise } from './runValise.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

const error = (stdout: string) => (JSON.parse(stdout.trim().split('\n').at(-1)!) as { error: { code: string; message: string } }).error;

describe('valise CLI errors', () => {
  it('status fails with the unlock error, a damaged database with its own code, an empty text as empty', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    const node = await sc.join('alice');
    await node.call('createChannel', { name: 'Room', classification: 1, memberUserIds: [], policy: { recording: 'devices', messageLifetimeMs: 0, burnAfterReading: false, endsAtMs: 0, allowCopy: false, allowExport: false, allowAttachments: false, screenCapture: 'block', readReceipts: true } });
    await node.engine.close();
    const base = ['--profile', node.dir, '--json'];

    const ok = await runValise([...base, 'status'], { passphrase: PASSPHRASE });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ state: 'unlocked' });

    const wrong = await runValise([...base, 'status'], { passphrase: 'not the passphrase' });
    expect(wrong.code).toBe(3);
    expect(error(wrong.stdout).code).toBe('UNLOCK_FAILED');
    expect(wrong.stdout).not.toContain('"state":"locked"');

    const empty = await runValise([...base, 'status'], { passphrase: '' });
    expect(empty.code).toBe(3);
    expect(error(empty.stdout)).toMatchObject({ code: 'NO_PASSPHRASE', message: expect.stringMatching(/VALISE_PASSPHRASE/) });

    const emptyText = await runValise([...base, 'send', 'Room', '--stdin'], { passphrase: PASSPHRASE, stdin: '\n' });
    expect(emptyText.code).toBe(2);
    expect(emptyText.stderr).toMatch(/empty/);

    fs.truncateSync(profilePaths(node.dir).db, 4096 + 100);
    const damaged = await runValise([...base, 'status'], { passphrase: PASSPHRASE });
    expect(damaged.code).toBe(8);
    expect(error(damaged.stdout)).toMatchObject({ code: 'PROFILE_DAMAGED', message: expect.stringMatching(/damaged.*backup or re-enrol/) });
    const damagedSend = await runValise([...base, 'send', 'Room', 'hello'], { passphrase: PASSPHRASE });
    expect(damagedSend.code).toBe(8);
  }, 120_000);
});
