/** Round trips of the smaller repositories: channels, outbox, records, audit log, settings. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/model/policy.ts';
import { openTestStore, tempDir } from '../../../test/storage/support.ts';
import { z } from 'zod';

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

  it('stores JSON settings; every key is checked against its schema', async () => {
    const { repos, db } = await store();
    const other = repos.settings.typed({ idleLockMs: z.number(), org: z.object({ name: z.string() }) });
    other.set('idleLockMs', 300000);
    other.set('org', { name: 'Delegation' });
    expect(other.get('idleLockMs')).toBe(300000);
    expect(other.get('org')).toEqual({ name: 'Delegation' });
    other.delete('org');
    expect(other.get('org')).toBeUndefined();
    // Another layer's view of a key with another shape reads it as unset rather than casting it.
    expect(repos.settings.typed({ idleLockMs: z.string() }).get('idleLockMs')).toBeUndefined();
    repos.settings.set('engine.prekeysReady', true);
    expect(repos.settings.get('engine.prekeysReady')).toBe(true);
    // A value of the wrong shape cannot be written under a known key, and reads as unset if stored.
    expect(() => repos.settings.set('engine.prekeysReady', 'yes' as unknown as boolean)).toThrow();
    db.prepare("UPDATE settings SET value = '\"yes\"' WHERE key = 'engine.prekeysReady'").run();
    expect(repos.settings.get('engine.prekeysReady')).toBeUndefined();
  });

  it('keeps dedupe markers in their own table', async () => {
    const { repos } = await store();
    expect(repos.received.markReceived('env-1', 10)).toBe(true);
    expect(repos.received.markReceived('env-1', 11)).toBe(false);
    expect(repos.received.wasReceived('env-1')).toBe(true);
    expect(repos.received.pruneReceived(11)).toBe(1);
    expect(repos.received.wasReceived('env-1')).toBe(false);
  });
});

describe('engine state repositories', () => {
  it('keeps a wipe with one row per expected device and per receipt; a new wipe of the channel starts over', async () => {
    const { repos } = await store();
    const expected = [
      { userId: 'alice', deviceId: '1', displayName: 'Alice' },
      { userId: 'bob', deviceId: '2', displayName: 'Bob' },
    ];
    repos.wipes.issue({ channelId: 'c1', commandHash: 'h1', issuedAt: 5, command: new Uint8Array([7]), expected });
    expect(repos.wipes.confirm('c1', 'bob', '2', 9)).toBe(true);
    expect(repos.wipes.confirm('c1', 'bob', '2', 10)).toBe(false);
    expect(repos.wipes.list()).toEqual([{ channelId: 'c1', commandHash: 'h1', issuedAt: 5, command: new Uint8Array([7]), expected, confirmed: [{ userId: 'bob', deviceId: '2', at: 9 }] }]);
    repos.wipes.issue({ channelId: 'c1', commandHash: 'h2', issuedAt: 6, command: new Uint8Array([8]), expected: expected.slice(0, 1) });
    expect(repos.wipes.list()).toEqual([{ channelId: 'c1', commandHash: 'h2', issuedAt: 6, command: new Uint8Array([8]), expected: expected.slice(0, 1), confirmed: [] }]);
  });

  it('keeps read marks, verified safety numbers, rotations and pause reasons per channel or device', async () => {
    const { repos } = await store();
    repos.readMarks.set('c1', { sentAt: 1, id: 'a' });
    repos.readMarks.set('c1', { sentAt: 2, id: 'b' });
    expect(repos.readMarks.all()).toEqual(new Map([['c1', { sentAt: 2, id: 'b' }]]));
    repos.safetyNumbers.verify('alice.b', '3', '1234');
    expect(repos.safetyNumbers.verified('alice.b', '3')).toBe('1234');
    expect(repos.safetyNumbers.verified('alice', 'b.3')).toBeUndefined();
    repos.rotations.set('c1', 4);
    repos.rotations.set('c1', 6);
    expect(repos.rotations.all()).toEqual(new Map([['c1', 6]]));
    repos.pausedReasons.set('c1', 'talks suspended');
    expect(repos.pausedReasons.all()).toEqual(new Map([['c1', 'talks suspended']]));
    repos.pausedReasons.delete('c1');
    expect(repos.pausedReasons.all().size).toBe(0);
  });
});
