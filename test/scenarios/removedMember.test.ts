/**
 * A removed member keeps the sender key it had for the channel's old epoch. A relay that is
 * compromised (or colludes) can still route what it posts on that key to the remaining members:
 * their engines must refuse it (the sender is not in the current state) and never show it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolAddress } from '@signalapp/libsignal-client';
import { ChannelCipher, distributionId, encodeContent, encodeEnvelope } from '../../src/crypto/index.ts';
import { MemorySenderKeyStore } from '../../src/crypto/memory/MemoryStores.ts';
import { SqliteRelayStore } from '../../src/server/store/SqliteRelayStore.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until, type Node } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('removed member', () => {
  it('a message posted on the old epoch key after removal is refused by the remaining members', async () => {
    const relayStore = new SqliteRelayStore(':memory:');
    sc = await new Scenario().start({ store: relayStore });
    const cast = await sc.leadAndTwo();
    const { alice, bob } = cast;
    let carol = cast.carol;
    const ch = await alice.call('createChannel', { name: 'Team', classification: 1, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    await until(() => bob.events.some((e) => e.type === 'channelChanged' && e.channel.id === ch.id), 10_000, 'bob sees the channel');
    await bob.call('send', { channelId: ch.id, text: 'hello from bob' });
    await alice.waitText('hello from bob');
    await carol.waitText('hello from bob');

    // What bob's device holds before the removal: its epoch-0 sender key.
    const bobDevice = Number((await bob.call('status', {})).me!.deviceId);
    const channelId = Buffer.from(ch.id, 'hex');
    const keptKeys = new MemorySenderKeyStore();
    const address = ProtocolAddress.new('bob', bobDevice);
    const record = await bob.engine.current!.localStore.protocol.senderKey.getSenderKey(address, distributionId(channelId, 0));
    expect(record).not.toBeNull();
    await keptKeys.saveSenderKey(address, distributionId(channelId, 0), record!);

    await alice.call('changeMembers', { channelId: ch.id, remove: ['bob'] });
    await until(() => bob.events.some((e) => e.type === 'channelRemoved' && e.channelId === ch.id), 10_000, 'bob removed');
    await alice.call('send', { channelId: ch.id, text: 'after removal' });
    await carol.waitText('after removal');

    // Bob posts on the old key; the relay's queue is tampered with to deliver it to both.
    const ghost = encodeContent({
      body: { case: 'data', value: { messageId: Buffer.alloc(16, 7), channelId, sentAtMs: BigInt(Date.now()), kind: { case: 'text', value: { body: 'ghost from bob' } } } },
    });
    const ciphertext = await new ChannelCipher(keptKeys, { userId: 'bob', deviceId: bobDevice }).encrypt(channelId, 0, ghost);
    const envelope = encodeEnvelope({ channelId, sender: { userId: 'bob', deviceId: bobDevice }, type: 'sender-key', ciphertext, sentAtMs: Date.now(), expiresAtMs: 0 });
    const deviceOf = async (n: Node) => ({ userId: n.userId, deviceId: Number((await n.call('status', {})).me!.deviceId) });
    const targets = [await deviceOf(alice), await deviceOf(carol)];
    const placed = await relayStore.enqueue(targets, { id: Buffer.alloc(16, 9), kind: 'envelope', channelId, payload: envelope, expiresMs: Date.now() + 60_000 }, { maxDepth: 1000, perSender: 1000, controlReserve: 0 });
    expect(placed.placed.length).toBe(2);

    // Carol picks the queue up when she reconnects; alice after a restart.
    carol = await sc.restart(carol);
    const restartedAlice = await sc.restart(alice);
    await carol.online();
    await restartedAlice.online();
    await until(async () => (await relayStore.queueDepth(targets[0]!)) === 0 && (await relayStore.queueDepth(targets[1]!)) === 0, 10_000, 'queues drained');
    await carol.engine.current!.settled();
    await restartedAlice.engine.current!.settled();

    for (const n of [carol, restartedAlice]) {
      expect(n.texts()).not.toContain('ghost from bob');
      const page = await n.call('listMessages', { channelId: ch.id, limit: 50 });
      expect(page.messages.map((m) => m.text)).not.toContain('ghost from bob');
      expect(page.messages.map((m) => m.text)).toContain('after removal');
    }
  });
});
