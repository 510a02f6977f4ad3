import { fromBinary } from '@bufbuild/protobuf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeChannelState,
  nextStateFields,
  OrgTrust,
  orgIdentity,
  signChannelState,
  signWipeReceipt,
  verifyWipeCommand,
  verifyWipeReceipt,
  type ChannelState,
} from '../../src/crypto/index.ts';
import { EnvelopeSchema } from '../../src/gen/valise/v1/envelope_pb.ts';
import { changeChannel, createChannel, envelope, send, TestOrg, wipeCommand, type Device, type Peer } from './fixtures.ts';

let org: TestOrg;

beforeEach(async () => {
  org = await new TestOrg().start();
});
afterEach(async () => {
  await org.stop();
});

/** u0 leads a channel with u1 and u2; `so` is the security officer (no channel); `x` leads nothing here. */
async function cast(): Promise<Record<'u0' | 'u1' | 'u2' | 'so' | 'x', Device>> {
  await org.addUser('u0');
  await org.addUser('u1', { roles: ['delegate'] });
  await org.addUser('u2', { roles: ['delegate'] });
  await org.addUser('so', { roles: ['security-officer'] });
  await org.addUser('x', { roles: ['delegate', 'lead'] });
  return { u0: await org.enrol('u0'), u1: await org.enrol('u1'), u2: await org.enrol('u2'), so: await org.enrol('so'), x: await org.enrol('x') };
}

function officerChange(officer: Peer, prev: ChannelState, status: 'paused' | 'active'): Uint8Array {
  return signChannelState(officer.device.identity.privateKey, nextStateFields(prev, officer.address, Date.now(), { status }));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('security officer', () => {
  it('lists every channel of the organisation and reads the chain of one it is not a member of; a plain member sees only its own', async () => {
    const d = await cast();
    const [lead, so, x] = await Promise.all([org.connect(d.u0), org.connect(d.so), org.connect(d.x)]);
    const talks = await createChannel(lead, ['u1', 'u2']);
    const talks1 = await changeChannel(lead, talks, { name: 'renamed' });
    const own = await createChannel(x, []);

    const listed = await so.client.listChannels();
    expect(listed.map((c) => hex(c.channelId)).sort()).toEqual([hex(talks.channelId), hex(own.channelId)].sort());
    const current = listed.find((c) => hex(c.channelId) === hex(talks.channelId))!;
    expect(decodeChannelState(current.state)).toMatchObject({ epoch: 1, name: 'renamed' });
    expect(await so.client.fetchChannelState(talks.channelId)).toEqual([new Uint8Array(talks.encoded), new Uint8Array(talks1.encoded)]);

    // x is a lead, but not of "talks": it sees only its own channel and cannot read the other chain.
    expect((await x.client.listChannels()).map((c) => hex(c.channelId))).toEqual([hex(own.channelId)]);
    await expect(x.client.fetchChannelState(talks.channelId)).rejects.toMatchObject({ code: 'CHANNEL_UNKNOWN' });
  });

  it('pauses and resumes a channel it is not a member of; members cannot send while paused; another lead cannot pause it', async () => {
    const d = await cast();
    const [lead, u1, so, x] = await Promise.all([org.connect(d.u0), org.connect(d.u1), org.connect(d.so), org.connect(d.x)]);
    const s0 = await createChannel(lead, ['u1', 'u2']);

    const byOtherLead = signChannelState(x.device.identity.privateKey, nextStateFields(s0, x.address, Date.now(), { status: 'paused' }));
    await expect(x.client.publishChannelChange(byOtherLead)).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    // The officer may change the status only, nothing else.
    const rename = signChannelState(so.device.identity.privateKey, nextStateFields(s0, so.address, Date.now(), { name: 'mine' }));
    await expect(so.client.publishChannelChange(rename)).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });

    const paused = officerChange(so, s0, 'paused');
    await so.client.publishChannelChange(paused);
    await u1.waitFor(() => u1.deliveries.some((x2) => x2.kind === 2 && hex(x2.payload) === hex(paused)));
    await expect(send(u1, envelope(u1.device, { channelId: s0.channelId }))).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
    await expect(send(lead, envelope(lead.device, { channelId: s0.channelId }))).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });

    await so.client.publishChannelChange(officerChange(so, decodeChannelState(paused), 'active'));
    expect((await send(u1, envelope(u1.device, { channelId: s0.channelId }))).recipients).toBe(2);

    const audit = await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit');
    const events = audit.entries.filter((e) => e.event === 'channel.paused' || e.event === 'channel.resumed');
    expect(events.map((e) => [e.event, e.actor])).toEqual([['channel.paused', `so:${d.so.deviceId}`], ['channel.resumed', `so:${d.so.deviceId}`]]);
  });

  it('wipes a channel: an offline member gets the wipe on connect and its signed receipt reaches the officer', async () => {
    const d = await cast();
    const lead = await org.connect(d.u0);
    const so = await org.connect(d.so);
    const x = await org.connect(d.x);
    const s0 = await createChannel(lead, ['u1', 'u2']);
    await send(lead, envelope(lead.device, { channelId: s0.channelId }));

    // A plain lead of another channel may not wipe this one.
    await expect(x.client.sendWipe(wipeCommand(x, s0))).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const command = wipeCommand(so, s0);
    expect(await so.client.sendWipe(command)).toBe(3); // u0, u1, u2: every member device, online or not
    await lead.waitFor(() => lead.deliveries.some((x2) => x2.kind === 3));
    await expect(send(lead, envelope(lead.device, { channelId: s0.channelId }))).rejects.toMatchObject({ code: 'CHANNEL_WIPED' });
    expect(await so.client.listChannels()).toEqual([]);

    // u2 was offline: it gets the wipe (and not the dropped envelope) when it connects.
    const u2 = await org.connect(d.u2);
    await u2.waitFor(() => u2.pushes.includes('backlogDone'));
    const wipes = u2.deliveries.filter((x2) => x2.kind === 3);
    expect(wipes).toHaveLength(1);
    expect(u2.envelopes()).toHaveLength(0);

    // u2 checks the order as a client does and answers the issuing device with a signed receipt.
    const trust = new OrgTrust(orgIdentity(org.orgId, org.root.publicKey.serialize()));
    for (const m of org.members.values()) trust.addMemberCertificate(m.certificate);
    for (const dev of Object.values(d)) trust.addDeviceCertificate(dev.certificate);
    const verified = verifyWipeCommand(wipes[0]!.payload, s0, trust.view(Date.now()));
    expect(verified.issuer).toEqual(so.address);
    const receipt = signWipeReceipt(d.u2.identity.privateKey, u2.address, verified, Date.now());
    // It travels in an ordinary 1:1 envelope (its ciphertext, here in clear) to the officer's device.
    expect((await send(u2, envelope(d.u2, { to: d.so, ciphertext: receipt }))).recipients).toBe(1);
    await so.waitFor(() => so.envelopes().length === 1);
    const got = fromBinary(EnvelopeSchema, so.envelopes()[0]!.payload).ciphertext;
    expect(verifyWipeReceipt(got, verified, trust.view(Date.now())).device).toEqual(u2.address);
  });
});

