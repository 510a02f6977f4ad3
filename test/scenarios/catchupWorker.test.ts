/**
 * A catch-up through the decrypting worker thread (DecryptAhead): the backlog mixes channel
 * messages from two senders with a member removal (new epoch, sender keys rotated and distributed
 * over 1:1 sessions) and an added member. Everything arrives once, in order, and a message the
 * removed member posts with its old key is refused, exactly as without the worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, allTexts, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('catch-up through the worker thread', () => {
  it('takes a backlog with a removal and an addition in the middle: all of it, once, in order', async () => {
    sc = await new Scenario().start();
    const { alice, bob, carol } = await sc.leadAndTwo();
    await sc.user('dave');
    const dave = await sc.join('dave');
    const ch = await alice.call('createChannel', { name: 'Worker', classification: 0, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'warm-up' });
    await carol.waitText('warm-up');
    await carol.call('send', { channelId: ch.id, text: 'carol warm-up' });
    await bob.waitText('carol warm-up');
    await bob.engine.close();

    const expected: string[] = [];
    const send = async (node: Node, text: string) => {
      await node.call('send', { channelId: ch.id, text: `${node.userId}: ${text}` });
      expected.push(`${node.userId}: ${text}`);
    };
    for (let i = 0; i < 120; i++) await send(i % 3 === 2 ? carol : alice, `before ${i}`);
    // Sent (on the relay) before the removal: after it, carol's old key is refused.
    await carol.engine.current!.outboxIdle;
    await alice.engine.current!.outboxIdle;
    await alice.call('changeMembers', { channelId: ch.id, remove: ['carol'] });
    // What carol posts now, with the key of the epoch she was removed from, bob must refuse.
    await carol.call('send', { channelId: ch.id, text: 'carol after removal' }).catch(() => undefined);
    for (let i = 0; i < 120; i++) await send(alice, `after removal ${i}`);
    await alice.call('changeMembers', { channelId: ch.id, add: [{ userId: 'dave', role: 'member' }] });
    await until(async () => (await dave.call('listChannels', {})).channels.some((c) => c.id === ch.id), 10_000, 'dave added');
    for (let i = 0; i < 120; i++) await send(i % 2 ? dave : alice, `after addition ${i}`);
    await alice.engine.current!.outboxIdle;
    await dave.engine.current!.outboxIdle;

    const back = await sc.restart(bob, { catchUpWorkerFrom: 1 });
    await until(async () => (await allTexts(back, ch.id)).length >= expected.length + 2, 60_000, 'catch-up');
    const texts = (await allTexts(back, ch.id)).reverse();
    // Shown by send time: each sender's messages in the order sent, nothing missing, nothing twice.
    const got = texts.slice(2);
    expect([...got].sort()).toEqual([...expected].sort());
    for (const sender of ['alice', 'carol', 'dave']) {
      const pick = (l: string[]) => l.filter((t) => t.startsWith(`${sender}: `));
      expect(pick(got)).toEqual(pick(expected));
    }
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts).not.toContain('carol after removal');

    // Caught up: the worker thread is gone and live messages are opened on the engine's thread.
    await until(() => !back.engine.current!.decryptingAhead, 10_000, 'worker retired');
    await alice.call('send', { channelId: ch.id, text: 'alice: live again' });
    await back.waitText('alice: live again');
  }, 120_000);
});
