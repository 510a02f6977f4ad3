/**
 * `valise send` with texts too long for the command line (--stdin, --text-file) and `valise search`,
 * against a real relay and engines: a 150 KiB text arrives intact both ways, an over-limit one is
 * refused with TOO_LARGE before anything is sent, and search shows where a word was said.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_TEXT_BYTES } from '../../src/shared/model/limits.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { PASSPHRASE, Scenario, until } from './harness.ts';
import { runValise } from './runValise.ts';

const valise = (args: string[], stdin?: string) => runValise(args, { passphrase: PASSPHRASE, timeoutMs: 90_000, ...(stdin !== undefined ? { stdin } : {}) });

let sc: Scenario;
afterEach(async () => sc?.stop());

/** About 150 KiB of varied text, different per label, with Latin, accented and Chinese letters. */
function longText(label: string): string {
  const lines: string[] = [];
  for (let i = 0; lines.join('\n').length < 150 * 1024; i++) lines.push(`${label} ${i}: Sitzungsprotokoll — Lieferfristen geklärt, 交付期限 ${i * 7919}`);
  return lines.join('\n');
}

describe('valise send from stdin or a file, and valise search', () => {
  it('sends 150 KiB intact both ways, refuses an over-limit text before sending, and finds a sent word', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const aliceNode = await sc.join('alice');
    const bob = await sc.join('bob');
    const ch = await aliceNode.call('createChannel', { name: 'Drafts', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await until(async () => (await bob.call('listChannels', {})).channels.length === 1, 10_000, 'bob sees the channel');
    await aliceNode.engine.close();
    const alice = ['--profile', aliceNode.dir];

    const fromStdin = longText('stdin');
    const viaStdin = await valise([...alice, '--json', 'send', 'Drafts', '--stdin'], `${fromStdin}\n`);
    expect(viaStdin.stderr).toBe('');
    expect(viaStdin.code).toBe(0);
    await bob.waitText(fromStdin, 30_000);

    const fromFile = longText('file');
    const file = path.join(sc.profileDir(), 'draft.txt');
    fs.writeFileSync(file, fromFile);
    const viaFile = await valise([...alice, '--json', 'send', 'Drafts', '--text-file', file]);
    expect(viaFile.code).toBe(0);
    await bob.waitText(fromFile, 30_000);

    const huge = path.join(sc.profileDir(), 'huge.txt');
    fs.writeFileSync(huge, 'x'.repeat(MAX_TEXT_BYTES + 1));
    const refused = await valise([...alice, '--json', 'send', 'Drafts', '--text-file', huge]);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'TOO_LARGE' } });
    expect(refused.stderr).toMatch(/too large/i);
    const refusedStdin = await valise([...alice, '--json', 'send', 'Drafts', '--stdin'], '交'.repeat(MAX_TEXT_BYTES / 3 + 1));
    expect(JSON.parse(refusedStdin.stdout)).toMatchObject({ error: { code: 'TOO_LARGE' } });
    // Nothing of the refused texts reached the channel.
    await new Promise((r) => setTimeout(r, 500));
    expect(bob.texts()).toEqual([fromStdin, fromFile]);

    await bob.call('send', { channelId: ch.id, text: 'The walrus clause stays in the annex.' });
    await until(async () => (await valise([...alice, '--json', 'search', 'walrus'])).stdout.includes('walrus'), 30_000, 'alice has the reply');
    const human = await valise([...alice, 'search', 'walrus', '--channel', 'Drafts']);
    expect(human.code).toBe(0);
    expect(human.stdout.trim()).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}Drafts {2}bob: The walrus clause stays in the annex\.$/);
    const json = await valise([...alice, '--json', 'search', 'walrus']);
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ channelId: ch.id, channel: 'Drafts', senderUserId: 'bob', sender: 'bob', snippet: 'The walrus clause stays in the annex.' });
    const none = await valise([...alice, '--json', 'search', 'hippopotamus']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
  }, 240_000);
});
