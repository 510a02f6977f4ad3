/**
 * Sending to members who cannot be reached — a device that was enrolled but never came online
 * (no prekeys), a member with no device at all — neither hangs nor blocks the others: those
 * devices show "unreachable", the rest get the message, and the outbox empties.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import type { MessageView } from '../../src/shared/api/schemas.ts';
import { PASSPHRASE, Scenario, until, type Node } from './harness.ts';
import { runValise } from './runValise.ts';

const valise = (args: string[]) => runValise(args, { passphrase: PASSPHRASE });

let sc: Scenario;
afterEach(async () => sc?.stop());

async function find(n: Node, channelId: string, text: string): Promise<MessageView> {
  return (await n.call('listMessages', { channelId, limit: 50 })).messages.find((m) => m.text === text)!;
}

describe('unreachable members', () => {
  it('marks their devices unreachable, delivers to the others, and leaves nothing in the outbox', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    await sc.user('dave');
    await sc.user('erin');
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');
    // Dave's device is approved but never connects, so it publishes no prekeys; Erin has no device.
    const dave = await sc.org.enrol('dave');

    const ch = await alice.call('createChannel', { name: 'Mixed', classification: 1, memberUserIds: ['bob', 'dave', 'erin'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'to whoever can read' });
    await bob.waitText('to whoever can read');
    await until(async () => (await find(alice, ch.id, 'to whoever can read')).delivery === 'delivered', 10_000, 'delivered to bob');
    const m = await find(alice, ch.id, 'to whoever can read');
    expect(m.deliveries).toEqual([
      { userId: 'bob', deviceId: expect.any(String), state: 'delivered' },
      { userId: 'dave', deviceId: String(dave.deviceId), state: 'unreachable' },
      { userId: 'erin', deviceId: '0', state: 'unreachable' },
    ]);

    // Only unreachable members: the message is "unreachable" at once, and the outbox is empty.
    const lonely = await alice.call('createChannel', { name: 'Nobody home', classification: 1, memberUserIds: ['dave'], policy: DEFAULT_POLICY });
    const started = Date.now();
    const { message } = await alice.call('send', { channelId: lonely.id, text: 'anyone?' });
    await until(async () => (await find(alice, lonely.id, 'anyone?')).delivery === 'unreachable', 10_000, 'unreachable');
    expect(Date.now() - started).toBeLessThan(5_000);
    await alice.engine.current!.outboxIdle;
    expect(alice.engine.current!.localStore.repos.outbox.count()).toBe(0);
    expect((await find(alice, lonely.id, 'anyone?')).id).toBe(message.id);

    // A later message to the first channel still reaches Bob (no stuck queue behind the unreachable ones).
    await alice.call('send', { channelId: ch.id, text: 'second round' });
    await bob.waitText('second round');

    // The CLI says so and exits 5 (refused) rather than waiting.
    await alice.engine.close();
    const r = await valise(['--profile', alice.dir, '--json', 'send', 'Nobody home', 'still there?']);
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ delivery: 'unreachable', unreachable: [{ userId: 'dave', state: 'unreachable' }] });
    expect(r.stderr).toContain('Some members cannot be reached yet');
  });
});
