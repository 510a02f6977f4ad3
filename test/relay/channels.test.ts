import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signChannelState, nextStateFields } from '../../src/crypto/index.ts';
import { changeChannel, createChannel, envelope, send, TestOrg, wipeCommand, type Device } from './fixtures.ts';

let org: TestOrg;

beforeEach(async () => {
  org = await new TestOrg().start();
});
afterEach(async () => {
  await org.stop();
});

async function team(n: number): Promise<Device[]> {
  const devices = [];
  for (let i = 0; i < n; i++) {
    await org.addUser(`u${i}`);
    devices.push(await org.enrol(`u${i}`));
  }
  return devices;
}

describe('channels', () => {
  it('fans a channel message out to every member device but the sender', async () => {
    const devices = await team(8);
    const second = await org.enrol('u1');
    const peers = await Promise.all([...devices, second].map((d) => org.connect(d)));
    const owner = peers[0]!;
    const state = await createChannel(owner, devices.slice(0, 6).map((d) => d.userId));
    const r = await send(owner, envelope(owner.device, { channelId: state.channelId }));
    expect(r.recipients).toBe(6); // u1..u5, plus u1's second device
    for (const p of [...peers.slice(1, 6), peers[8]!]) await p.waitFor(() => p.envelopes().length === 1);
    await new Promise((res) => setTimeout(res, 100));
    expect(owner.envelopes()).toHaveLength(0);
    expect(peers[6]!.envelopes()).toHaveLength(0);
    expect(peers[7]!.envelopes()).toHaveLength(0);
    // Members learnt the channel state too.
    expect(peers[1]!.deliveries.some((d) => d.kind === 2)).toBe(true);
  });

  it('refuses sends from non-members and to paused channels', async () => {
    const [a, b, c] = await Promise.all((await team(3)).map((d) => org.connect(d)));
    const s0 = await createChannel(a!, ['u0', 'u1']);
    await expect(send(c!, envelope(c!.device, { channelId: s0.channelId }))).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    await expect(send(a!, envelope(a!.device, { channelId: s0.channelId, to: c!.device }))).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    const s1 = await changeChannel(a!, s0, { status: 'paused' });
    await expect(send(b!, envelope(b!.device, { channelId: s0.channelId }))).rejects.toMatchObject({ code: 'CHANNEL_PAUSED' });
    await changeChannel(a!, s1, { status: 'active' });
    expect((await send(b!, envelope(b!.device, { channelId: s0.channelId }))).recipients).toBe(1);
    const audit = await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit');
    expect(audit.entries.map((e) => e.event).filter((e) => e.startsWith('channel.'))).toEqual(['channel.created', 'channel.paused', 'channel.resumed']);
  });

  it('refuses a change signed by a member without the right, a rollback and a fork', async () => {
    const [a, b] = await Promise.all((await team(2)).map((d) => org.connect(d)));
    const s0 = await createChannel(a!, ['u0', 'u1']);
    const byMember = signChannelState(b!.device.identity.privateKey, nextStateFields(s0, b!.address, Date.now(), { members: [{ userId: 'u1', role: 'owner' }] }));
    await expect(b!.client.request({ case: 'publishChannelChange', value: { change: byMember } }, 'ok')).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    const s1 = await changeChannel(a!, s0, { name: 'renamed' });
    await expect(a!.client.request({ case: 'publishChannelChange', value: { change: s0.encoded } }, 'ok')).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    const fork = signChannelState(a!.device.identity.privateKey, nextStateFields(s0, a!.address, Date.now(), { name: 'fork' }));
    await expect(a!.client.request({ case: 'publishChannelChange', value: { change: fork } }, 'ok')).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    const chain = await b!.client.request({ case: 'fetchChannelState', value: { channelId: s0.channelId } }, 'channelState');
    expect(chain.changes).toEqual([new Uint8Array(s0.encoded), new Uint8Array(s1.encoded)]);
  });

  it('wipe drops queued envelopes and reaches an offline member when it connects', async () => {
    const devices = await team(3);
    const a = await org.connect(devices[0]!);
    const b = await org.connect(devices[1]!);
    const s0 = await createChannel(a, ['u0', 'u1', 'u2']);
    for (let i = 0; i < 3; i++) await send(b, envelope(b.device, { channelId: s0.channelId }));
    expect(await org.relay.relay.store.queueDepth(devices[2]!)).toBe(4); // the state + 3 envelopes
    const other = await createChannel(a, ['u0', 'u2']);
    await send(a, envelope(a.device, { channelId: other.channelId }));

    const r = await a.client.request({ case: 'sendWipe', value: { wipe: wipeCommand(a, s0) } }, 'sent');
    expect(r.recipients).toBe(3);
    await expect(send(b, envelope(b.device, { channelId: s0.channelId }))).rejects.toMatchObject({ code: 'CHANNEL_WIPED' });
    await b.waitFor(() => b.deliveries.some((d) => d.kind === 3));

    const c = await org.connect(devices[2]!);
    await c.waitFor(() => c.pushes.includes('backlogDone'));
    const kinds = c.deliveries.map((d) => [d.kind, Buffer.from(d.channelId).toString('hex')]);
    const wiped = Buffer.from(s0.channelId).toString('hex');
    expect(kinds.filter(([k, ch]) => ch === wiped && k === 1)).toHaveLength(0);
    expect(kinds.filter(([k, ch]) => ch === wiped && k === 3)).toHaveLength(1);
    // The other channel's envelope survives.
    expect(kinds.filter(([k, ch]) => ch === Buffer.from(other.channelId).toString('hex') && k === 1)).toHaveLength(1);
    // The wiped channel cannot be brought back under the same id.
    await expect(a.client.request({ case: 'publishChannelChange', value: { change: s0.encoded } }, 'ok')).rejects.toMatchObject({ code: 'CHANNEL_WIPED' });
    const audit = await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit');
    expect(audit.entries.find((e) => e.event === 'channel.wiped')?.detail).toMatch(/^4 queued items dropped/); // 3 envelopes + the state record waiting for u2;
  });

  it('a signed state change to "wiped" also drops the queued envelopes', async () => {
    const devices = await team(2);
    const a = await org.connect(devices[0]!);
    const s0 = await createChannel(a, ['u0', 'u1']);
    for (let i = 0; i < 3; i++) await send(a, envelope(a.device, { channelId: s0.channelId }));
    await changeChannel(a, s0, { status: 'wiped' });
    await expect(send(a, envelope(a.device, { channelId: s0.channelId }))).rejects.toMatchObject({ code: 'CHANNEL_WIPED' });
    const b = await org.connect(devices[1]!);
    await b.waitFor(() => b.pushes.includes('backlogDone'));
    expect(b.envelopes()).toHaveLength(0);
    expect(b.deliveries.filter((d) => d.kind === 2)).toHaveLength(1); // the wiped state itself
  });

  it('refuses a wipe from a plain member', async () => {
    const [a, b] = await Promise.all((await team(2)).map((d) => org.connect(d)));
    const s0 = await createChannel(a!, ['u0', 'u1']);
    await expect(b!.client.request({ case: 'sendWipe', value: { wipe: wipeCommand(b!, s0) } }, 'sent')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('bounds an envelope\'s expiry by the channel\'s message lifetime', async () => {
    const devices = await team(2);
    const a = await org.connect(devices[0]!);
    const s0 = await createChannel(a, ['u0', 'u1'], { messageLifetimeMs: 100 });
    await send(a, envelope(a.device, { channelId: s0.channelId }));
    await new Promise((r) => setTimeout(r, 200));
    const b = await org.connect(devices[1]!);
    await b.waitFor(() => b.pushes.includes('backlogDone'));
    expect(b.envelopes()).toHaveLength(0);
  });
});
