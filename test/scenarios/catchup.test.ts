/**
 * What happens to a delivery that cannot be opened (issue 6 §3): a passing fault on this device
 * (the database answers "busy") must leave it on the relay to be delivered again — never acked and
 * dropped — while bad input (a damaged message from a member device) is dropped with a content-free
 * audit entry and does not hold up what follows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { envelope, send } from '../relay/fixtures.ts';
import { Scenario, allTexts, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

const sqliteBusy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

async function channelOfTwo(): Promise<{ alice: Node; bob: Node; channelId: string }> {
  sc = await new Scenario().start();
  await sc.user('alice', { roles: ['delegate', 'lead'] });
  await sc.user('bob');
  const alice = await sc.join('alice');
  const bob = await sc.join('bob');
  const ch = await alice.call('createChannel', { name: 'Faults', classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
  await alice.call('send', { channelId: ch.id, text: 'warm-up' });
  await bob.waitText('warm-up');
  return { alice, bob, channelId: ch.id };
}

async function queuedFor(node: Node): Promise<number> {
  const me = (await node.call('status', {})).me!;
  return sc.org.relay.relay.store.queueDepth({ userId: me.userId, deviceId: Number(me.deviceId) });
}

const dropped = (node: Node) => node.engine.current!.localStore.repos.audit.recent(1000).filter((e) => e.action === 'delivery-dropped');

describe('deliveries that do not open', () => {
  it('a busy database: nothing is acked or dropped, and every message arrives once when it clears', async () => {
    const { alice, bob, channelId } = await channelOfTwo();
    await until(async () => (await queuedFor(bob)) === 0, 10_000, 'warm-up acknowledged');
    // Every sender-key read of the receive path fails as SQLite does when another process holds the lock.
    const store = bob.engine.current!.localStore;
    const unitOfWork = store.unitOfWork.bind(store);
    let busy = true;
    let refused = 0;
    store.unitOfWork = ((fn) =>
      unitOfWork((uow) => {
        if (busy) {
          uow.protocol.senderKey.getSenderKey = () => {
            refused++;
            return Promise.reject(sqliteBusy());
          };
        }
        return fn(uow);
      })) as typeof store.unitOfWork;

    for (let i = 0; i < 10; i++) await alice.call('send', { channelId, text: `busy ${i}` });
    // Refused, then delivered again after a reconnect and refused again: it was not acked.
    await until(() => refused >= 3, 20_000, 'redeliveries while busy');
    expect(bob.texts().filter((t) => t.startsWith('busy'))).toEqual([]);
    expect(await queuedFor(bob)).toBe(10);
    expect(dropped(bob)).toEqual([]);

    busy = false;
    await until(() => bob.texts().filter((t) => t.startsWith('busy')).length === 10, 20_000, 'messages after the database cleared');
    const stored = (await allTexts(bob, channelId)).filter((t) => t.startsWith('busy'));
    expect(stored.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `busy ${i}`).sort());
    expect(bob.texts().filter((t) => t.startsWith('busy'))).toHaveLength(10);
    expect(dropped(bob)).toEqual([]);
    await until(async () => (await queuedFor(bob)) === 0, 10_000, 'acks after the commit');
  }, 60_000);

  it('a damaged message from a member device is dropped with an audit entry without content; the next ones arrive', async () => {
    const { alice, bob, channelId } = await channelOfTwo();
    // Alice's second device (a real, certified member device) sends something that is not a sender-key message.
    const device = await sc.org.enrol('alice');
    const peer = await sc.org.connect(device);
    const junk = envelope(device, { channelId: Uint8Array.from(Buffer.from(channelId, 'hex')), body: 'opening position twelve percent' });
    await send(peer, junk);
    await alice.call('send', { channelId, text: 'after the damaged one' });
    await bob.waitText('after the damaged one', 15_000);

    const entries = dropped(bob);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.detail).toBe('DECRYPT_CORRUPT');
    expect(JSON.stringify(entries)).not.toContain('twelve');
    expect((await allTexts(bob, channelId)).some((t) => t.includes('twelve'))).toBe(false);
    await until(async () => (await queuedFor(bob)) === 0, 10_000, 'the damaged delivery acked');
  }, 60_000);
});
