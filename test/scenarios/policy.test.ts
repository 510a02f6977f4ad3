/**
 * Policy on every device: retention deletes on every device within a second of expiry, also
 * across a restart (deleted at the next start before anything is shown); an off-the-record
 * channel leaves no trace of its text in the profile directory and is empty after a restart;
 * export is refused unless the policy allows it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

function anyFileContains(dir: string, needle: string): boolean {
  const walk = (d: string): boolean =>
    fs.readdirSync(d, { withFileTypes: true }).some((f) => {
      const p = path.join(d, f.name);
      return f.isDirectory() ? walk(p) : fs.readFileSync(p).includes(Buffer.from(needle));
    });
  return fs.existsSync(dir) && walk(dir);
}

async function pair() {
  sc = await new Scenario().start();
  await sc.user('alice', { roles: ['delegate', 'lead'] });
  await sc.user('bob');
  const alice = await sc.join('alice', { sweepEveryMs: 200, burnGraceMs: 300 });
  const bob = await sc.join('bob', { sweepEveryMs: 200, burnGraceMs: 300 });
  return { alice, bob };
}

describe('policy on the device', () => {
  it('deletes expired messages on every device, and at the next start when the app was closed', async () => {
    const { alice, bob: bob0 } = await pair();
    let bob = bob0;
    const LIFETIME = 2500;
    const ch = await alice.call('createChannel', { name: 'Short', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, messageLifetimeMs: LIFETIME } });
    const sent = await alice.call('send', { channelId: ch.id, text: 'fleeting' });
    expect(sent.message.expiresAt).toBe(sent.message.sentAt + LIFETIME);
    await bob.waitText('fleeting');
    // On bob's device the lifetime runs from his receipt.
    const atBob = (await bob.call('listMessages', { channelId: ch.id })).messages[0]!;
    expect(atBob.expiresAt).toBe(atBob.receivedAt + LIFETIME);
    await bob.engine.close();

    await until(async () => (await alice.call('listMessages', { channelId: ch.id })).messages.length === 0, LIFETIME + 3000, 'deletion at alice');
    const deletedAt = Date.now();
    expect(deletedAt - sent.message.expiresAt!).toBeLessThan(1000);
    expect(alice.events.some((e) => e.type === 'messageDeleted' && e.messageIds.includes(sent.message.id))).toBe(true);

    // Bob's app was closed at expiry: the message is gone before his first read after starting.
    await until(() => Date.now() > atBob.expiresAt!, LIFETIME + 3000, "expiry on bob's device");
    bob = await sc.restart(bob, { sweepEveryMs: 200 });
    expect((await bob.call('listMessages', { channelId: ch.id })).messages).toEqual([]);
    expect((await bob.call('search', { query: 'fleeting' })).hits).toEqual([]);
  });

  it('keeps off-the-record text out of the profile directory and refuses export', async () => {
    const { alice, bob } = await pair();
    const MARKER = 'OTR-MARKER-19c2';
    const otr = await alice.call('createChannel', { name: 'Corridor', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, recording: 'off-the-record', allowExport: true } });
    expect(otr.can).toMatchObject({ export: false, copy: false });
    expect(otr.policy.screenCapture).toBe('block');
    await alice.call('send', { channelId: otr.id, text: MARKER });
    await bob.waitText(MARKER);
    expect((await bob.call('listMessages', { channelId: otr.id })).messages.map((m) => m.text)).toEqual([MARKER]);
    await expect(alice.call('export', { channelId: otr.id })).rejects.toMatchObject({ code: 'POLICY_REFUSED' });

    const recorded = await alice.call('createChannel', { name: 'Minutes', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, allowExport: true } });
    await alice.call('send', { channelId: recorded.id, text: 'for the record' });
    const doc = await alice.call('export', { channelId: recorded.id });
    expect(doc.content).toContain('for the record');
    expect(doc.content).toContain('UNCLASSIFIED');

    const bob2 = await sc.restart(bob);
    const alice2 = await sc.restart(alice);
    await bob2.engine.close();
    await alice2.engine.close();
    for (const n of [alice, bob]) expect(anyFileContains(n.dir, MARKER)).toBe(false);
    const bob3 = await sc.restart(bob2);
    expect((await bob3.call('listMessages', { channelId: otr.id })).messages).toEqual([]);
  });

  it('burns a message after reading, and wipes a channel on every device at its end time', async () => {
    const { alice, bob } = await pair();
    const burn = await alice.call('createChannel', { name: 'Burn', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, burnAfterReading: true } });
    const sent = await alice.call('send', { channelId: burn.id, text: 'read me once' });
    await bob.waitText('read me once');
    expect((await bob.call('listMessages', { channelId: burn.id })).messages).toHaveLength(1);
    await bob.call('markRead', { channelId: burn.id, upToMessageId: sent.message.id });
    await until(async () => (await bob.call('listMessages', { channelId: burn.id })).messages.length === 0, 3000, 'burn');

    const endsAtMs = Date.now() + 2500;
    const ending = await alice.call('createChannel', { name: 'Ending', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, endsAtMs } });
    await alice.call('send', { channelId: ending.id, text: 'until the end' });
    await bob.waitText('until the end');
    for (const n of [alice, bob]) {
      await until(() => n.events.some((e) => e.type === 'channelRemoved' && e.channelId === ending.id && e.reason === 'ended'), 6000, `end at ${n.userId}`);
      expect(Date.now() - endsAtMs).toBeLessThan(3000);
      expect((await n.call('listChannels', {})).channels.map((c) => c.id)).not.toContain(ending.id);
      expect((await n.call('search', { query: 'until' })).hits).toEqual([]);
    }
  });
});
