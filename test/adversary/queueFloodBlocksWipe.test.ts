/**
 * Attack: any enrolled device, even one in no channel with its victim, fills an offline device's
 * queue with 1:1 envelopes. The queue limit then applied to the officer's wipe too, and the relay
 * answered the wipe `sent` although the victim would never receive it (and the tombstoned channel
 * cannot be wiped again).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createChannel, envelope, send, TestOrg, wipeCommand, type Device } from '../relay/fixtures.ts';

let org: TestOrg;

afterEach(async () => {
  await org.stop();
});

async function flood(from: Device, to: Device, max: number): Promise<number> {
  const attacker = await org.connect(from);
  let queued = 0;
  for (let i = 0; i < max; i++) {
    try {
      await send(attacker, envelope(from, { to }));
      queued++;
    } catch (e) {
      expect(e).toMatchObject({ code: 'QUEUE_FULL' });
      break;
    }
  }
  return queued;
}

/**
 * Enrols a lead, Bob, the attackers and a security officer; the lead creates a channel with Bob,
 * whose device takes its state and goes offline, leaving his queue empty.
 */
async function bobGoesOffline(attackerIds: string[]) {
  for (const u of ['lead', 'bob', ...attackerIds]) await org.addUser(u);
  await org.addUser('officer', { roles: ['security-officer'] });
  const leadDev = await org.enrol('lead');
  const bobDev = await org.enrol('bob');
  const attackers: Device[] = [];
  for (const u of attackerIds) attackers.push(await org.enrol(u));
  const officer = await org.connect(await org.enrol('officer'));
  const lead = await org.connect(leadDev);
  const online = await org.connect(bobDev);
  const s0 = await createChannel(lead, ['lead', 'bob']);
  await online.waitFor(() => online.deliveries.length === 1);
  await new Promise((r) => setTimeout(r, 100));
  await online.client.close();
  return { leadDev, bobDev, attackers, officer, lead, s0 };
}

describe('filling an offline device\'s queue', () => {
  it('one enrolled device gets only its quota of another device\'s queue: the victim\'s colleagues still reach it', async () => {
    org = await new TestOrg().start({ limits: { maxQueueDepth: 40, maxQueuePerSender: 20 } });
    for (const u of ['lead', 'bob', 'eve']) await org.addUser(u);
    const [leadDev, bobDev, eveDev] = [await org.enrol('lead'), await org.enrol('bob'), await org.enrol('eve')];
    const lead = await org.connect(leadDev);
    const s0 = await createChannel(lead, ['lead', 'bob']);

    const queued = await flood(eveDev, bobDev, 100);
    expect(queued).toBeLessThan(40);
    // The channel's lead still reaches bob, in the channel and directly.
    expect((await send(lead, envelope(leadDev, { channelId: s0.channelId }))).recipients).toBe(1);
    expect((await send(lead, envelope(leadDev, { to: bobDev }))).recipients).toBe(1);
  });

  it('a queue filled to its limit by several senders still takes the officer\'s wipe, and the victim receives it', async () => {
    org = await new TestOrg().start({ limits: { maxQueueDepth: 30 } });
    const { leadDev, bobDev, attackers, officer, lead, s0 } = await bobGoesOffline(['eve', 'trudy', 'oscar']);
    // Bob saw the channel's state and went offline: his queue holds nothing of the channel.
    expect(await org.relay.relay.store.queueDepth(bobDev)).toBe(0);

    let total = 0;
    for (const a of attackers) total += await flood(a, bobDev, 100);
    expect(total).toBeGreaterThan(0);
    await expect(send(lead, envelope(leadDev, { to: bobDev }))).rejects.toMatchObject({ code: 'QUEUE_FULL' });

    const r = await officer.client.request({ case: 'sendWipe', value: { wipe: wipeCommand(officer, s0) } }, 'sent');
    expect(r.recipients).toBe(2);
    const bob = await org.connect(bobDev);
    await bob.waitFor(() => bob.deliveries.some((d) => d.kind === 3), 10_000);
  });

  it('when even the room kept for control items is used up, the officer is told QUEUE_FULL, never `sent`', async () => {
    org = await new TestOrg().start({ limits: { maxQueueDepth: 10, queueControlReserve: 0 } });
    const { bobDev, attackers: [eveDev], officer, s0 } = await bobGoesOffline(['eve']);
    expect(await flood(eveDev!, bobDev, 100)).toBe(10);
    await expect(officer.client.request({ case: 'sendWipe', value: { wipe: wipeCommand(officer, s0) } }, 'sent'))
      .rejects.toMatchObject({ code: 'QUEUE_FULL', message: expect.stringMatching(/wipe is recorded/) });
    const audit = (await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit')).entries;
    expect(audit.find((e) => e.event === 'channel.wiped')?.detail).toMatch(/1 queues full/);
  });
});
