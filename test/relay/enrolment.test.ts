import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { createEnrolmentRequest, issueDeviceCertificate, signAuthChallenge } from '../../src/crypto/index.ts';
import { RelayClient } from '../../src/server/client/RelayClient.ts';
import { RelayRefused } from '../../src/server/errors.ts';
import { DAY, Peer, TestOrg } from './fixtures.ts';

let org: TestOrg;
beforeEach(async () => {
  org = await new TestOrg().start();
  await org.addUser('alice');
});
afterEach(() => org.stop());

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RelayRefused) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('enrolment', () => {
  it('shows the same code on device and admin, and pushes the certificate to the waiting device', async () => {
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: org.orgId, userName: 'Alice', deviceName: 'laptop', identity, registrationId: 1, nowMs: Date.now() });
    const device = await RelayClient.connect(org.relay.url);
    const pushed = new Promise<Uint8Array>((resolve) => device.onPush((p) => p.case === 'enrolment' && resolve(p.value.deviceCertificate)));
    const sub = await device.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    expect(sub.code).toBe(req.code);
    expect(sub.code).toMatch(/^\d{6}$/);
    const { pending } = await org.admin.request({ case: 'listPending', value: {} }, 'pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]!.code).toBe(req.code);
    expect(pending[0]!.matchedUserId).toBe('alice');
    expect(pending[0]!.nextDeviceId).toBe(1);
    const cert = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 99, userId: 'alice', deviceId: 1, identityKey: identity.publicKey, notBeforeMs: Date.now() - DAY, notAfterMs: Date.now() + DAY,
    });
    await org.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code: req.code, deviceCertificate: cert } }, 'ok');
    expect(await pushed).toEqual(cert);
    const polled = await device.request({ case: 'pollEnrolment', value: { requestId: sub.requestId } }, 'enrolmentStatus');
    expect(polled.deviceCertificate).toEqual(cert);
    await device.close();
    const peer = await Peer.connect(org.relay.url, { userId: 'alice', deviceId: 1, identity, certificate: cert, serial: 99 });
    expect(peer.client.isOpen).toBe(true);
    await peer.client.close();
    const audit = await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit');
    expect(audit.entries.map((e) => e.event)).toEqual(['member.added', 'enrolment.requested', 'enrolment.approved']);
  });

  it('refuses an approval with the wrong code, and leaves the request pending', async () => {
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: org.orgId, userName: 'alice', deviceName: 'x', identity, registrationId: 1, nowMs: Date.now() });
    const c = await RelayClient.connect(org.relay.url);
    const sub = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    const wrong = String((Number(req.code) + 1) % 1_000_000).padStart(6, '0');
    const cert = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 5, userId: 'alice', deviceId: 1, identityKey: identity.publicKey, notBeforeMs: 0, notAfterMs: Date.now() + DAY,
    });
    expect(await refusal(org.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code: wrong, deviceCertificate: cert } }, 'ok'))).toBe('ENROLMENT_CODE_MISMATCH');
    const s = await c.request({ case: 'pollEnrolment', value: { requestId: sub.requestId } }, 'enrolmentStatus');
    expect(s.deviceCertificate).toHaveLength(0);
    await c.close();
  });

  it('refuses a certificate for another key than the request, and admin requests from a non-admin', async () => {
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: org.orgId, userName: 'alice', deviceName: 'x', identity, registrationId: 1, nowMs: Date.now() });
    const c = await RelayClient.connect(org.relay.url);
    const sub = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    const other = IdentityKeyPair.generate();
    const cert = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 5, userId: 'alice', deviceId: 1, identityKey: other.publicKey, notBeforeMs: 0, notAfterMs: Date.now() + DAY,
    });
    expect(await refusal(org.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code: req.code, deviceCertificate: cert } }, 'ok'))).toBe('CERTIFICATE_REFUSED');
    expect(await refusal(c.request({ case: 'listPending', value: {} }, 'pending'))).toBe('FORBIDDEN');
    expect(await refusal(c.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code: req.code, deviceCertificate: cert } }, 'ok'))).toBe('FORBIDDEN');
    await c.close();
  });

  it('refuses an admin login signed by another key', async () => {
    const c = await RelayClient.connect(org.relay.url);
    const fake = IdentityKeyPair.generate();
    expect(await refusal(c.authenticateAdmin((ch) => fake.privateKey.sign(new Uint8Array(ch))))).toBe('AUTH_BAD_SIGNATURE');
    expect((await c.closed).code).toBe(4001);
  });
});

describe('waiting connections', () => {
  it('closes a connection that neither authenticates nor enrols, but keeps one waiting for approval', async () => {
    const quick = await new TestOrg().start({ limits: { handshakeTimeoutMs: 300 } });
    try {
      await quick.addUser('alice');
      const idle = await RelayClient.connect(quick.relay.url);
      const waiting = await RelayClient.connect(quick.relay.url);
      const identity = IdentityKeyPair.generate();
      const req = createEnrolmentRequest({ orgId: quick.orgId, userName: 'alice', deviceName: 'x', identity, registrationId: 1, nowMs: Date.now() });
      await waiting.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
      expect((await idle.closed).code).toBe(4010);
      await new Promise((r) => setTimeout(r, 400));
      expect(waiting.isOpen).toBe(true);
      await waiting.close();
    } finally {
      await quick.stop();
    }
  });
});

describe('authentication', () => {
  it('refuses an unsanctioned device (certificate from another organisation root)', async () => {
    const identity = IdentityKeyPair.generate();
    const rogue = IdentityKeyPair.generate();
    const cert = issueDeviceCertificate(rogue.privateKey, {
      orgId: org.orgId, serial: 1, userId: 'alice', deviceId: 1, identityKey: identity.publicKey, notBeforeMs: 0, notAfterMs: Date.now() + DAY,
    });
    const c = await RelayClient.connect(org.relay.url);
    expect(await refusal(c.authenticate(cert, (ch) => signAuthChallenge(identity.privateKey, ch)))).toBe('AUTH_UNSANCTIONED');
    expect((await c.closed).code).toBe(4001);
  });

  it('refuses a validly signed certificate the relay never approved', async () => {
    const identity = IdentityKeyPair.generate();
    const cert = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 77, userId: 'alice', deviceId: 9, identityKey: identity.publicKey, notBeforeMs: 0, notAfterMs: Date.now() + DAY,
    });
    const c = await RelayClient.connect(org.relay.url);
    expect(await refusal(c.authenticate(cert, (ch) => signAuthChallenge(identity.privateKey, ch)))).toBe('AUTH_UNSANCTIONED');
  });

  it('refuses an expired certificate', async () => {
    const d = await org.enrol('alice', { notAfterMs: Date.now() + 300 });
    await new Promise((r) => setTimeout(r, 400));
    expect(await refusal(Peer.connect(org.relay.url, d))).toBe('AUTH_EXPIRED');
  });

  it('refuses a signature by another key than the certified one', async () => {
    const d = await org.enrol('alice');
    const c = await RelayClient.connect(org.relay.url);
    const thief = IdentityKeyPair.generate();
    expect(await refusal(c.authenticate(d.certificate, (ch) => signAuthChallenge(thief.privateKey, ch)))).toBe('AUTH_BAD_SIGNATURE');
  });

  it('refuses a replayed signed challenge on a new connection', async () => {
    const d = await org.enrol('alice');
    const first = await RelayClient.connect(org.relay.url);
    let captured = new Uint8Array();
    await first.authenticate(d.certificate, (ch) => (captured = signAuthChallenge(d.identity.privateKey, ch)));
    await first.close();
    const replay = await RelayClient.connect(org.relay.url);
    expect(await refusal(replay.authenticate(d.certificate, () => captured))).toBe('AUTH_BAD_SIGNATURE');
    // And on the same connection a challenge serves once only.
    const again = await RelayClient.connect(org.relay.url);
    await again.authenticate(d.certificate, (ch) => signAuthChallenge(d.identity.privateKey, ch));
    expect(await refusal(again.authenticate(d.certificate, (ch) => signAuthChallenge(d.identity.privateKey, ch)))).toBe('AUTH_CHALLENGE_USED');
  });

  it('refuses a revoked device, and revocation cuts its live connection at once', async () => {
    const d = await org.enrol('alice');
    const live = await Peer.connect(org.relay.url, d);
    const closing = new Promise<string>((resolve) => live.client.onPush((p) => p.case === 'closing' && resolve(p.value.code)));
    await org.revokeDevice(d);
    expect(await closing).toBe('AUTH_REVOKED');
    expect((await live.client.closed).code).toBe(4003);
    expect(await refusal(Peer.connect(org.relay.url, d))).toBe('AUTH_REVOKED');
    const audit = await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit');
    expect(audit.entries.map((e) => e.event)).toContain('device.revoked');
  });

  it('revoking a user cuts every device of theirs and refuses them', async () => {
    const d1 = await org.enrol('alice');
    const d2 = await org.enrol('alice');
    const p1 = await Peer.connect(org.relay.url, d1);
    const p2 = await Peer.connect(org.relay.url, d2);
    const { issueRevocation } = await import('../../src/crypto/index.ts');
    const revocation = issueRevocation(org.root.privateKey, { orgId: org.orgId, target: 'member', revokedSerial: org.members.get('alice')!.serial, revokedAtMs: Date.now(), reason: 'left' });
    await org.admin.request({ case: 'publishRevocation', value: { revocation } }, 'ok');
    expect((await p1.client.closed).code).toBe(4003);
    expect((await p2.client.closed).code).toBe(4003);
    expect(await refusal(Peer.connect(org.relay.url, d1))).toBe('AUTH_REVOKED');
  });

  it('refuses an unknown protocol version with a clear close code', async () => {
    await expect(RelayClient.connect(org.relay.url, { protocolVersion: 99 })).rejects.toMatchObject({ code: 'CLOSED_4000' });
  });

  it('refuses device requests before authentication', async () => {
    const c = await RelayClient.connect(org.relay.url);
    expect(await refusal(c.request({ case: 'fetchPrekeys', value: { userId: 'alice' } }, 'prekeyBundles'))).toBe('NOT_AUTHENTICATED');
    await c.close();
  });
});
