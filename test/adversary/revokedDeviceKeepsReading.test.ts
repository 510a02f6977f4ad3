/**
 * Attack: a device is stolen and the security office revokes it. Whoever holds it keeps the sender
 * keys it received while it was valid, and a relay (or anyone on its disk) hands them every
 * envelope the channel carries afterwards. Nothing sent after the revocation may open with them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolAddress } from '@signalapp/libsignal-client';
import { ChannelCipher, decodeEnvelope, distributionId } from '../../src/crypto/index.ts';
import { MemorySenderKeyStore } from '../../src/crypto/memory/MemoryStores.ts';
import { SqliteRelayStore } from '../../src/server/store/SqliteRelayStore.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until } from '../scenarios/harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

const EPOCHS = [0, 1, 2, 3, 4, 5];

describe('a revoked device', () => {
  it('cannot open what the lead sends after the revocation, even with the envelope in hand', async () => {
    const relayStore = new SqliteRelayStore(':memory:');
    // The relay's disk: every envelope it queues, as an attacker reading it would see them.
    const seen: Uint8Array[] = [];
    const enqueue = relayStore.enqueue.bind(relayStore);
    relayStore.enqueue = (to, item, room, dedupe) => {
      if (item.kind === 'envelope') seen.push(item.payload);
      return enqueue(to, item, room, dedupe);
    };
    sc = await new Scenario().start({ store: relayStore });
    const { alice, bob, carol } = await sc.leadAndTwo();
    const ch = await alice.call('createChannel', { name: 'Desk', classification: 0, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'before revocation' });
    await bob.waitText('before revocation');
    await carol.waitText('before revocation');

    // What the thief copies off bob's device before it is revoked: alice's sender keys.
    const aliceDevice = Number((await alice.call('status', {})).me!.deviceId);
    const aliceAddress = ProtocolAddress.new('alice', aliceDevice);
    const channelId = Buffer.from(ch.id, 'hex');
    const stolen = new MemorySenderKeyStore();
    let copied = 0;
    for (const ep of EPOCHS) {
      const record = await bob.engine.current!.localStore.protocol.senderKey.getSenderKey(aliceAddress, distributionId(channelId, ep));
      if (record) {
        await stolen.saveSenderKey(aliceAddress, distributionId(channelId, ep), record);
        copied++;
      }
    }
    expect(copied).toBeGreaterThan(0);
    const thief = new ChannelCipher(stolen, { userId: 'bob', deviceId: 99 });
    const open = async (env: Uint8Array): Promise<string | null> => {
      const e = decodeEnvelope(env);
      if (e.type !== 'sender-key' || e.sender.userId !== 'alice') return null;
      try {
        return Buffer.from(await thief.decrypt(e.sender, channelId, EPOCHS, e.ciphertext)).toString('utf8');
      } catch {
        return null;
      }
    };
    // The stolen keys open what alice sends next while the device is still valid: the attack is real.
    const copiedAt = seen.length;
    await alice.call('send', { channelId: ch.id, text: 'after the copy' });
    await carol.waitText('after the copy');
    const control = await Promise.all(seen.slice(copiedAt).map(open));
    expect(control.some((t) => t?.includes('after the copy'))).toBe(true);

    await sc.revoke('bob');
    await until(() => bob.events.some((e) => e.type === 'locked' && e.reason === 'revoked'), 10_000, 'bob revoked');
    // Alice's engine learns of the revocation from the relay.
    await until(() => alice.engine.current!.trust.revocations().length > 0, 10_000, 'alice knows of the revocation');
    const from = seen.length;
    await alice.call('send', { channelId: ch.id, text: 'after revocation' });
    await carol.waitText('after revocation');

    const after = await Promise.all(seen.slice(from).map(open));
    expect(seen.length).toBeGreaterThan(from);
    expect(after.filter((t) => t !== null && t.includes('after revocation'))).toEqual([]);
  }, 40_000);
});
