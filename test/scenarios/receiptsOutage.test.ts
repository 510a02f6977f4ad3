/**
 * Delivery receipts wait, like messages, while the relay is down: 1,000 messages with the relay
 * process SIGKILLed twice while receipts flow all end "delivered" at the sender; and receipts still
 * owed when the receiving app quits go out when it starts again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import type { MessageView } from '../../src/shared/api/schemas.ts';
import { Scenario, until, type Node } from './harness.ts';
import { RelayChild } from './relayChild.ts';

const TOTAL = 1000;

let sc: Scenario | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sc?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  sc = undefined;
  dir = undefined;
});

async function mine(n: Node, channelId: string): Promise<MessageView[]> {
  const out: MessageView[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await n.call('listMessages', { channelId, limit: 500, ...(before ? { before } : {}) });
    out.push(...page.messages.filter((m) => m.mine));
    if (!page.nextCursor) return out;
    before = page.nextCursor;
  }
}

const received = (n: Node) => new Set(n.texts()).size;
const delivered = (ms: MessageView[]) => ms.filter((m) => m.delivery === 'delivered' || m.delivery === 'read').length;

async function cast() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-rcpt-'));
  sc = new Scenario();
  const relay = await RelayChild.attach(sc, dir);
  await sc.user('alice', { roles: ['delegate', 'lead'] });
  await sc.user('bob');
  const alice = await sc.join('alice');
  const bob = await sc.join('bob');
  const ch = await alice.call('createChannel', { name: 'Outage', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
  return { relay, alice, bob, ch };
}

describe('receipts across relay outages', () => {
  it(`${TOTAL} messages with the relay SIGKILLed twice while receipts flow all end delivered`, async () => {
    const { relay, alice, bob, ch } = await cast();
    for (let i = 0; i < TOTAL; i++) await alice.call('send', { channelId: ch.id, text: `m${i}` });

    let kills = 0;
    for (const at of [TOTAL * 0.3, TOTAL * 0.7]) {
      await until(() => received(bob) >= at, 120_000, `${at} at bob`);
      // Receipts for what Bob stored are on their way (sent 200 ms after each batch) when the relay dies.
      await until(async () => delivered(await mine(alice, ch.id)) > 0 || kills > 0, 30_000, 'receipts flowing');
      await relay.kill();
      kills++;
      await new Promise((r) => setTimeout(r, 1500));
      await relay.start();
    }
    expect(kills).toBe(2);
    await until(() => received(bob) === TOTAL, 180_000, `all ${TOTAL} at bob`);
    let last: MessageView[] = [];
    await until(async () => delivered((last = await mine(alice, ch.id))) === TOTAL, 120_000, 'every message delivered at alice').catch((e: unknown) => {
      throw new Error(`${String(e)}: ${TOTAL - delivered(last)} of ${TOTAL} not delivered`);
    });
    expect(last).toHaveLength(TOTAL);
  }, 480_000);

  it('sends receipts still owed when the receiving app quits, after it starts again', async () => {
    const { relay, alice, bob, ch } = await cast();
    const stuck = ['after the outage 1', 'after the outage 2', 'after the outage 3'];
    let killed: Promise<void> | null = null;
    // The relay dies the moment Bob has stored the last one: before its receipt can go out.
    bob.engine.onEvent((e) => {
      if (e.type === 'messageReceived' && e.message.text === stuck[2]) killed ??= relay.kill();
    });
    for (const text of stuck) await alice.call('send', { channelId: ch.id, text });
    await until(() => killed !== null, 30_000, 'bob stored the messages');
    await killed;
    await bob.engine.close();
    await relay.start();
    await alice.online();
    await new Promise((r) => setTimeout(r, 1000));
    const before = (await mine(alice, ch.id)).filter((m) => stuck.includes(m.text));
    expect(before.map((m) => m.delivery)).not.toContain('delivered');

    await sc!.restart(bob);
    await until(async () => delivered((await mine(alice, ch.id)).filter((m) => stuck.includes(m.text))) === stuck.length, 30_000, 'receipts after bob restarts');
  }, 180_000);
});
