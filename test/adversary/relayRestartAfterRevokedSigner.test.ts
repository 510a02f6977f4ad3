/**
 * Attack: once a past signer of a channel is revoked, a relay restart used to replay the chain
 * against today's trust and drop the channel: sends and the officer's wipe failed CHANNEL_UNKNOWN,
 * and any lead who is not a member could publish a new epoch 0 under the same id and take the
 * channel over (routed by the hijacker's member list).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeChannelState, signChannelState } from '../../src/crypto/index.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import { changeChannel, createChannel, envelope, send, TestOrg, wipeCommand, type Peer } from '../relay/fixtures.ts';

let org: TestOrg;
let dir: string;

afterEach(async () => {
  await org.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function restart(): Promise<void> {
  await org.admin.close().catch(() => undefined);
  await org.relay.close();
  org.relay = await startRelay({ orgId: org.orgId, orgPublicKey: org.root.publicKey.serialize(), dataDir: dir });
  org.admin = await org.adminClient();
}

function epochZero(by: Peer, channelId: Uint8Array, members: string[]): Uint8Array {
  return signChannelState(by.device.identity.privateKey, {
    channelId, epoch: 0, previousHash: new Uint8Array(), name: 'ours now', classification: 1, policy: DEFAULT_POLICY,
    members: members.map((userId, i) => ({ userId, role: i === 0 ? ('owner' as const) : ('member' as const) })),
    status: 'active', signer: by.address, signedAtMs: Date.now(),
  });
}

describe('a relay restart after a past signer was revoked', () => {
  it('keeps the channel (sends and the officer\'s wipe still work) and refuses a new epoch 0 under its id', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-adv-restart-'));
    org = await new TestOrg().start({ dataDir: dir });
    await org.addUser('lead');
    await org.addUser('bob', { roles: ['delegate'] });
    await org.addUser('mallory');
    await org.addUser('officer', { roles: ['security-officer'] });
    const leadDev = await org.enrol('lead');
    const bobDev = await org.enrol('bob');
    const malloryDev = await org.enrol('mallory');
    const officerDev = await org.enrol('officer');
    const lead = await org.connect(leadDev);
    const s0 = await createChannel(lead, ['lead', 'bob']);
    await changeChannel(lead, s0, { name: 'renamed' });
    const other = await createChannel(lead, ['lead', 'bob']);
    await org.revokeDevice(leadDev); // the lead's laptop is lost: every record it signed stays valid

    await restart();
    const bob = await org.connect(bobDev);
    const mallory = await org.connect(malloryDev);
    const officer = await org.connect(officerDev);

    expect((await send(bob, envelope(bob.device, { channelId: s0.channelId }))).recipients).toBe(0);
    // A lead who is not a member cannot start the channel over under the same id.
    await expect(mallory.client.request({ case: 'publishChannelChange', value: { change: epochZero(mallory, s0.channelId, ['mallory', 'bob']) } }, 'ok'))
      .rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    // Nor of a wiped one, before or after another restart.
    const chain = await officer.client.request({ case: 'fetchChannelState', value: { channelId: other.channelId } }, 'channelState');
    expect(chain.changes).toHaveLength(1);
    await officer.client.request({ case: 'sendWipe', value: { wipe: wipeCommand(officer, decodeChannelState(chain.changes[0]!)) } }, 'sent');
    await restart();
    const mallory2 = await org.connect(malloryDev);
    await expect(mallory2.client.request({ case: 'publishChannelChange', value: { change: epochZero(mallory2, other.channelId, ['mallory']) } }, 'ok'))
      .rejects.toMatchObject({ code: expect.stringMatching(/CHANNEL_WIPED|CHANNEL_CHANGE_REFUSED/) });
    // The officer can still wipe the channel whose creator was revoked.
    const officer2 = await org.connect(officerDev);
    const bob2 = await org.connect(bobDev);
    const head = (await officer2.client.request({ case: 'fetchChannelState', value: { channelId: s0.channelId } }, 'channelState')).changes;
    expect(head).toHaveLength(2);
    const r = await officer2.client.request({ case: 'sendWipe', value: { wipe: wipeCommand(officer2, decodeChannelState(head[1]!)) } }, 'sent');
    expect(r.recipients).toBeGreaterThanOrEqual(1);
    await bob2.waitFor(() => bob2.deliveries.some((d) => d.kind === 3));
  });
});
