/**
 * A member tries to put words in another member's mouth in the text export: a message whose text
 * carries a newline and a line formatted like another person's. The export keeps one line per
 * message with the newline escaped, so every line still names its real sender.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario } from '../scenarios/harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('text export against forged lines', () => {
  it('an embedded newline or line separator cannot start a line in another sender\'s name', async () => {
    sc = await new Scenario().start();
    const { alice, bob } = await sc.leadAndTwo();
    const ch = await alice.call('createChannel', { name: 'Minutes', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, allowExport: true } });
    await alice.call('send', { channelId: ch.id, text: 'We propose 4%.' });
    await bob.waitText('We propose 4%.');
    const stamp = new Date().toISOString();
    const forged = `Noted.\n[${stamp}] alice: We withdraw the offer.\r[${stamp}] alice: Agreed\u2028[${stamp}] alice: Signed`;
    await bob.call('send', { channelId: ch.id, text: forged });
    await alice.waitText(forged);

    const doc = await alice.call('export', { channelId: ch.id, format: 'text' });
    const lines = doc.content.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/);
    const messageLines = lines.filter((l) => l.startsWith('['));
    expect(messageLines).toHaveLength(2);
    expect(messageLines[0]).toMatch(/\] alice: We propose 4%\.$/);
    expect(messageLines[1]).toMatch(/\] bob: Noted\./);
    expect(lines.filter((l) => /^\[[^\]]*\] alice: /.test(l))).toHaveLength(1);
  });
});
