/** Round trips of the smaller repositories: channels, outbox, records, audit log, settings. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/model/policy.ts';
import { openTestStore, tempDir } from '../../../test/storage/support.ts';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const store = () => openTestStore(path.join(root, `r${n++}`));

describe('ChannelRepository', () => {
  it('stores the signed state with members, replaces it on a newer epoch and keeps the history', async () => {
    const { repos } = await store();
    const state1 = new Uint8Array([1, 2, 3]);
    repos.channels.save({
      id: 'c1', epoch: 1, status: 'active', classification: 2, policy: DEFAULT_POLICY, state: state1, updatedAt: 10,
      members: [{ userId: 'bob', role: 'member' }, { userId: 'alice', role: 'owner' }],
    });
    repos.channels.save({
      id: 'c1', epoch: 2, status: 'paused', classification: 3, policy: { ...DEFAULT_POLICY, recording: 'archived' }, state: new Uint8Array([4]), updatedAt: 20,
      members: [{ userId: 'alice', role: 'owner' }],
    });
    const c = repos.channels.get('c1')!;
    expect(c).toMatchObject({ epoch: 2, status: 'paused', classification: 3, updatedAt: 20, members: [{ userId: 'alice', role: 'owner' }] });
    expect(c.policy.recording).toBe('archived');
    expect(Buffer.from(repos.channels.stateAt('c1', 1)!)).toEqual(Buffer.from(state1));
    repos.channels.setStatus('c1', 'wiped', 30);
    expect(repos.channels.list().map((x) => [x.id, x.status])).toEqual([['c1', 'wiped']]);
    expect(repos.channels.get('nope')).toBeNull();
  });
});

describe('OutboxRepository', () => {
  it('queues sealed payloads, returns due ones, retries and removes', async () => {
    const s = await store();
    const o = s.repos.outbox;
    const id1 = s.transaction(() => o.enqueue('c1', Buffer.from('first payload'), 'm1', 100));
    const id2 = o.enqueue('c2', Buffer.from('second'), null, 100);
    const raw = s.db.prepare('SELECT payload FROM outbox WHERE id = ?').get(id1) as { payload: Buffer };
    expect(raw.payload.indexOf(Buffer.from('first payload'))).toBe(-1);
    expect(o.due(100).map((i) => [i.id, Buffer.from(i.payload).toString(), i.messageId])).toEqual([[id1, 'first payload', 'm1'], [id2, 'second', null]]);
    o.retryLater(id1, 500);
    expect(o.due(200).map((i) => i.id)).toEqual([id2]);
    expect(o.due(500).find((i) => i.id === id1)!.attempts).toBe(1);
    o.remove(id2);
    expect(o.count()).toBe(1);
  });
});

describe('RecordRepository', () => {
  it('keeps the latest certificate per member and device and each revocation once', async () => {
    const { repos } = await store();
    const r = repos.records;
    await r.saveMemberCertificate('alice', new Uint8Array([1]));
    await r.saveMemberCertificate('alice', new Uint8Array([2]));
    await r.saveDeviceCertificate('alice', 1, new Uint8Array([3]));
    await r.saveDeviceCertificate('alice', 2, new Uint8Array([4]));
    await r.saveRevocation(new Uint8Array([9, 9]));
    await r.saveRevocation(new Uint8Array([9, 9]));
    const got = await r.loadCertificates();
    expect(got.members.map((b) => [...b])).toEqual([[2]]);
    expect(got.devices.map((b) => [...b])).toEqual([[3], [4]]);
    expect(got.revocations.map((b) => [...b])).toEqual([[9, 9]]);
  });

  it('stores wipe receipts per device', async () => {
    const { repos } = await store();
    repos.records.putWipeReceipt({ channelId: 'c', deviceId: 'd2', epoch: 4, record: new Uint8Array([1]), receivedAt: 5 });
    repos.records.putWipeReceipt({ channelId: 'c', deviceId: 'd1', epoch: 4, record: new Uint8Array([2]), receivedAt: 6 });
    expect(repos.records.wipeReceipts('c').map((x) => x.deviceId)).toEqual(['d1', 'd2']);
    expect(repos.records.wipeReceipts('other')).toEqual([]);
  });
});

describe('AuditLog and Settings', () => {
  it('appends audit entries newest first', async () => {
    const { repos } = await store();
    repos.audit.append({ actor: 'alice', action: 'channel.wipe', subject: 'c1', at: 1 });
    repos.audit.append({ actor: 'bob', action: 'device.revoke', subject: 'd9', at: 2, detail: 'lost laptop' });
    expect(repos.audit.recent().map((e) => [e.action, e.detail])).toEqual([['device.revoke', 'lost laptop'], ['channel.wipe', '']]);
  });

  it('stores JSON settings and dedupe markers', async () => {
    const { repos } = await store();
    repos.settings.set('idleLockMs', 300000);
    repos.settings.set('org', { name: 'Delegation' });
    expect(repos.settings.get<number>('idleLockMs')).toBe(300000);
    expect(repos.settings.get<{ name: string }>('org')).toEqual({ name: 'Delegation' });
    repos.settings.delete('org');
    expect(repos.settings.get('org')).toBeUndefined();
    expect(repos.settings.markReceived('env-1', 10)).toBe(true);
    expect(repos.settings.markReceived('env-1', 11)).toBe(false);
    expect(repos.settings.wasReceived('env-1')).toBe(true);
    expect(repos.settings.pruneReceived(11)).toBe(1);
    expect(repos.settings.wasReceived('env-1')).toBe(false);
  });
});
