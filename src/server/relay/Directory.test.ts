import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayParts, T0, type PartDevice } from '../../../test/relay/relayParts.ts';
import type { DeviceAddress } from '../store/RelayStore.ts';
import type { DeviceSink } from './FanOut.ts';

let parts: RelayParts;
afterEach(async () => {
  await parts.close();
});

const at = (d: PartDevice): DeviceAddress => ({ userId: d.userId, deviceId: d.deviceId });
const challenge = () => new Uint8Array(randomBytes(32));

function sink(device: DeviceAddress): DeviceSink & { cuts: Uint8Array[] } {
  const cuts: Uint8Array[] = [];
  return { device, cuts, wake: () => {}, pushPrekeysLow: () => {}, cut: (_code, _msg, revocation) => cuts.push(revocation), resume: () => {} };
}

describe('Directory.authenticateDevice', () => {
  it('admits a device that signs the challenge with its own key, and refuses a signature by another key', async () => {
    parts = new RelayParts();
    const bob = await parts.user('bob');
    const eve = await parts.user('eve');
    const c = challenge();
    expect(await parts.relay.directory.authenticateDevice(bob.certificate, c, parts.sign(bob, c))).toMatchObject(at(bob));
    await expect(parts.relay.directory.authenticateDevice(bob.certificate, c, parts.sign(eve, c))).rejects.toMatchObject({ code: 'AUTH_BAD_SIGNATURE' });
    // A signature over another challenge (a replay) does not count either.
    await expect(parts.relay.directory.authenticateDevice(bob.certificate, c, parts.sign(bob, challenge()))).rejects.toMatchObject({ code: 'AUTH_BAD_SIGNATURE' });
  });

  it('refuses a revoked device with the signed revocation as proof', async () => {
    parts = new RelayParts();
    const bob = await parts.user('bob');
    const rev = parts.revocation('device', bob.serial);
    await parts.relay.directory.publishRevocation(rev);
    const c = challenge();
    await expect(parts.relay.directory.authenticateDevice(bob.certificate, c, parts.sign(bob, c))).rejects.toMatchObject({ code: 'AUTH_REVOKED', revocation: rev });
  });
});

describe('Directory.publishRevocation', () => {
  it('cuts every connection of the revoked device, queues the revocation for everyone else, and audits it', async () => {
    parts = new RelayParts();
    const bob = await parts.user('bob');
    const alice = await parts.user('alice');
    const bobSink = sink(at(bob));
    const aliceSink = sink(at(alice));
    parts.relay.fanOut.attach(bobSink);
    parts.relay.fanOut.attach(aliceSink);
    const rev = parts.revocation('device', bob.serial);
    await parts.relay.directory.publishRevocation(rev);
    expect(bobSink.cuts).toEqual([rev]);
    expect(aliceSink.cuts).toEqual([]);
    expect((await parts.store.readQueue(at(alice), 0, 10, parts.nowMs)).map((i) => [i.kind, i.payload])).toEqual([['revocation', rev]]);
    expect(await parts.store.readQueue(at(bob), 0, 10, parts.nowMs)).toEqual([]);
    expect(await parts.relay.directory.liveDevicesOf('bob')).toEqual([]);
    expect(parts.audit()).toContainEqual(expect.objectContaining({ event: 'device.revoked', actor: 'org' }));
  });

  it('revoking a member takes all its devices out of every fan-out', async () => {
    parts = new RelayParts();
    await parts.relay.directory.publishMember(parts.memberCertificate('bob', { serial: 500 }));
    const b1 = await parts.device('bob', 1);
    await parts.device('bob', 2);
    const s = sink(at(b1));
    parts.relay.fanOut.attach(s);
    expect(await parts.relay.directory.liveDevicesOf('bob')).toHaveLength(2);
    await parts.relay.directory.publishRevocation(parts.revocation('member', 500));
    expect(await parts.relay.directory.liveDevicesOf('bob')).toEqual([]);
    expect(s.cuts).toHaveLength(1);
    await expect(parts.relay.directory.fetchPrekeys('bob')).rejects.toMatchObject({ code: 'UNKNOWN_USER' });
  });

  it('refuses a revocation of a serial it has no record of', async () => {
    parts = new RelayParts();
    await expect(parts.relay.directory.publishRevocation(parts.revocation('device', 999))).rejects.toMatchObject({ code: 'CERTIFICATE_REFUSED' });
  });
});

describe('Directory certificates', () => {
  it('refuses a member certificate no newer than the one on record (no downgrade of clearance or roles)', async () => {
    parts = new RelayParts();
    await parts.relay.directory.publishMember(parts.memberCertificate('bob', { serial: 10, roles: ['delegate'] }));
    await expect(parts.relay.directory.publishMember(parts.memberCertificate('bob', { serial: 9, roles: ['security-officer'] })))
      .rejects.toMatchObject({ code: 'CERTIFICATE_REFUSED' });
    expect(await parts.relay.directory.isSecurityOfficer('bob')).toBe(false);
    await parts.relay.directory.publishMember(parts.memberCertificate('bob', { serial: 11, roles: ['security-officer'] }));
    expect(await parts.relay.directory.isSecurityOfficer('bob')).toBe(true);
  });

  it('leaves a device out of fan-outs once its certificate has expired', async () => {
    parts = new RelayParts();
    await parts.user('bob');
    await parts.device('bob', 2, { notAfterMs: T0 + 60_000 });
    expect((await parts.relay.directory.liveDevicesOf('bob')).map((d) => d.deviceId).sort()).toEqual([1, 2]);
    parts.nowMs = T0 + 60_001;
    expect((await parts.relay.directory.liveDevicesOf('bob')).map((d) => d.deviceId)).toEqual([1]);
  });
});
