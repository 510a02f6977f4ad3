import { describe, expect, it, vi } from 'vitest';
import { NOW, TestOrg, creation, type TestDevice } from '../../../../test/crypto/fixtures.ts';
import { applyChannelChange, issueMemberCertificate, issueRevocation, type ChannelState, type DeviceRef } from '../../../crypto/index.ts';
import { ManualClock } from '../Clock.ts';
import { hex } from '../views.ts';
import { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import type { Publisher, StateChange } from './Publisher.ts';
import { Rotator } from './Rotator.ts';
import type { SessionContext } from './SessionContext.ts';

const STEP = 1_000;

type Devices = Record<'amy1' | 'amy2' | 'ben1' | 'bob1', TestDevice>;

function setup(me: (d: Devices) => DeviceRef) {
  const org = new TestOrg();
  org.member('amy', 2, ['delegate', 'lead']);
  org.member('ben', 2, ['delegate', 'lead']);
  org.member('bob', 2);
  const devices: Devices = { amy1: org.device('amy', 1), amy2: org.device('amy', 2), ben1: org.device('ben', 1), bob1: org.device('bob', 1) };
  const r = applyChannelChange(null, creation(devices.amy1, [{ userId: 'amy', role: 'owner' }, { userId: 'ben', role: 'lead' }, { userId: 'bob', role: 'member' }], 1), org.trust.view(NOW));
  if (r.kind !== 'accepted') throw new Error(r.reason);
  const state = r.state;
  const id = hex(state.channelId);
  const book = new ChannelBook({ set: () => undefined });
  book.set(id, { state, pausedReason: null });
  const clock = new ManualClock(NOW);
  const changes: StateChange[] = [];
  const publisher = { change: vi.fn(async (_: string, change: StateChange) => void changes.push(change)) } as unknown as Publisher;
  const c = { clock, meRef: me(devices), log: { warn: () => undefined } } as unknown as SessionContext;
  const rotator = new Rotator(c, { book, directory: { trust: org.trust } as unknown as Directory, publisher, stepMs: STEP });
  const revoke = (target: 'device' | 'member', serial: number) => {
    const rev = org.trust.addRevocation(issueRevocation(org.root.privateKey, { orgId: org.orgId, target, revokedSerial: serial, revokedAtMs: NOW, reason: 'lost' }));
    rotator.revoked(rev);
  };
  const newEpoch = () => book.set(id, { state: { ...state, epoch: state.epoch + 1 } as ChannelState, pausedReason: null });
  return { org, devices, state, id, clock, changes, rotator, revoke, newEpoch };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('Rotator', () => {
  it('the lowest lead device re-keys at once when a member device is revoked, keeping the members', async () => {
    const t = setup((d) => d.amy1);
    t.revoke('device', t.devices.bob1.serial);
    await flush();
    expect(t.changes).toEqual([{}]);
  });

  it('another lead device waits its turn, and does nothing if the new epoch came meanwhile', async () => {
    const t = setup((d) => d.ben1);
    t.revoke('device', t.devices.bob1.serial);
    await flush();
    expect(t.changes).toEqual([]);
    t.newEpoch();
    t.clock.advance(3 * STEP);
    await flush();
    expect(t.changes).toEqual([]);
  });

  it('another lead device re-keys after its delay when the designated one stays silent', async () => {
    const t = setup((d) => d.ben1);
    t.revoke('device', t.devices.bob1.serial);
    t.clock.advance(2 * STEP - 1);
    await flush();
    expect(t.changes).toEqual([]);
    t.clock.advance(1);
    await flush();
    expect(t.changes).toEqual([{}]);
  });

  it('when the designated device is the revoked one, the next lead device acts at once', async () => {
    const t = setup((d) => d.amy2);
    t.revoke('device', t.devices.amy1.serial);
    await flush();
    expect(t.changes).toEqual([{}]);
  });

  it('a revoked member is removed from the channel', async () => {
    const t = setup((d) => d.amy1);
    const bob = t.org.trust.requireMember('bob', NOW);
    t.revoke('member', bob.serial);
    await flush();
    expect(t.changes).toEqual([{ members: [{ userId: 'amy', role: 'owner' }, { userId: 'ben', role: 'lead' }] }]);
  });

  it('a clearance lowered below the classification removes the member', async () => {
    const t = setup((d) => d.amy1);
    t.org.trust.addMemberCertificate(
      issueMemberCertificate(t.org.root.privateKey, { orgId: t.org.orgId, serial: 100, userId: 'bob', displayName: 'BOB', clearance: 0, roles: ['delegate'], notBeforeMs: NOW - 1, notAfterMs: NOW + 1e9 }),
    );
    t.rotator.certificatesChanged();
    await flush();
    expect(t.changes).toEqual([{ members: [{ userId: 'amy', role: 'owner' }, { userId: 'ben', role: 'lead' }] }]);
  });

  it('a send waits for the new epoch, within a bound', async () => {
    const t = setup((d) => d.ben1);
    t.revoke('device', t.devices.bob1.serial);
    let sent = false;
    const send = t.rotator.beforeSend(t.id).then(() => (sent = true));
    t.clock.advance(500);
    await flush();
    expect(sent).toBe(false);
    t.newEpoch();
    t.clock.advance(100);
    await send;
    expect(sent).toBe(true);
  });

  it('a revocation of someone in none of the channels changes nothing', async () => {
    const t = setup((d) => d.amy1);
    t.org.member('zed', 2);
    const zed = t.org.device('zed', 1);
    t.revoke('device', zed.serial);
    await flush();
    expect(t.changes).toEqual([]);
  });
});
