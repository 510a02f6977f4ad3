import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { createEnrolmentRequest, enrolmentCode, issueDeviceCertificate, issueEnrolmentNonce, orgIdentity, SignatureError, signAuthChallenge, verifyRevocation } from '../../src/crypto/index.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { RelayRefused } from '../../src/relay/errors.ts';
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

/** The device side: its code from its OWN request bytes and the org-signed nonce the relay passed on. */
function deviceCode(requestId: string, request: Uint8Array, nonceRecord: Uint8Array): string {
  return enrolmentCode(org.root.publicKey, { orgId: org.orgId, requestId, request }, nonceRecord);
}

function nonceFor(client: RelayClient): Promise<Uint8Array> {
  return new Promise((resolve) => client.onPush((p) => p.case === 'enrolment' && p.value.nonceRecord.length > 0 && resolve(p.value.nonceRecord)));
}

const other = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('enrolment', () => {
  it('shows no code until the officer opens the request, then the same code on both sides, and pushes the certificate', async () => {
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: org.orgId, userName: 'Alice', deviceName: 'laptop', identity, registrationId: 1, nowMs: Date.now() });
    const device = await RelayClient.connect(org.relay.url);
    const pushed = new Promise<Uint8Array>((resolve) => device.onPush((p) => p.case === 'enrolment' && p.value.deviceCertificate.length > 0 && resolve(p.value.deviceCertificate)));
    const nonce = nonceFor(device);
    const sub = await device.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    const { pending } = await org.admin.request({ case: 'listPending', value: {} }, 'pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]!.nonceRecord).toHaveLength(0);
    expect(pending[0]!.matchedUserId).toBe('alice');
    expect(pending[0]!.nextDeviceId).toBe(1);
    const before = await device.request({ case: 'pollEnrolment', value: { requestId: sub.requestId } }, 'enrolmentStatus');
    expect(before.nonceRecord).toHaveLength(0);

    const officerCode = await org.openEnrolment(sub.requestId, req.encoded);
    const code = deviceCode(sub.requestId, req.encoded, await nonce);
    expect(code).toMatch(/^\d{6}$/);
    expect(code).toBe(officerCode);
    const polled = await device.request({ case: 'pollEnrolment', value: { requestId: sub.requestId } }, 'enrolmentStatus');
    expect(deviceCode(sub.requestId, req.encoded, polled.nonceRecord)).toBe(code);

    const cert = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 99, userId: 'alice', deviceId: 1, identityKey: identity.publicKey, notBeforeMs: Date.now() - DAY, notAfterMs: Date.now() + DAY,
    });
    await org.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code, deviceCertificate: cert } }, 'ok');
    expect(await pushed).toEqual(cert);
    const after = await device.request({ case: 'pollEnrolment', value: { requestId: sub.requestId } }, 'enrolmentStatus');
    expect(after.deviceCertificate).toEqual(cert);
    await device.close();
    const peer = await Peer.connect(org.relay.url, { userId: 'alice', deviceId: 1, identity, certificate: cert, serial: 99 });
    expect(peer.client.isOpen).toBe(true);
    await peer.client.close();
    const audit = await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit');
    expect(audit.entries.map((e) => e.event)).toEqual(['member.added', 'enrolment.requested', 'enrolment.nonce-issued', 'enrolment.approved']);
  });

  it('refuses approval before the request is opened and with the wrong code, and gives each request one nonce only', async () => {
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: org.orgId, userName: 'alice', deviceName: 'x', identity, registrationId: 1, nowMs: Date.now() });
    const c = await RelayClient.connect(org.relay.url);
    const sub = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    const cert = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 5, userId: 'alice', deviceId: 1, identityKey: identity.publicKey, notBeforeMs: 0, notAfterMs: Date.now() + DAY,
    });
    expect(await refusal(org.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code: '123456', deviceCertificate: cert } }, 'ok'))).toBe('ENROLMENT_NOT_OPENED');
    const code = await org.openEnrolment(sub.requestId, req.encoded);
    expect(await refusal(org.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code: other(code), deviceCertificate: cert } }, 'ok'))).toBe('ENROLMENT_CODE_MISMATCH');
    // A second nonce would be a second draw at a matching code.
    expect(await refusal(org.openEnrolment(sub.requestId, req.encoded))).toBe('ENROLMENT_NONCE_ISSUED');
    const s = await c.request({ case: 'pollEnrolment', value: { requestId: sub.requestId } }, 'enrolmentStatus');
    expect(s.deviceCertificate).toHaveLength(0);
    expect(deviceCode(sub.requestId, req.encoded, s.nonceRecord)).toBe(code);
    const audit = await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit');
    expect(audit.entries.map((e) => e.event)).toEqual(['member.added', 'enrolment.requested', 'enrolment.approval.refused', 'enrolment.nonce-issued', 'enrolment.code-mismatch']);
    await c.close();
  });

  it('refuses a certificate for another key than the request, and admin requests from a non-admin', async () => {
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: org.orgId, userName: 'alice', deviceName: 'x', identity, registrationId: 1, nowMs: Date.now() });
    const c = await RelayClient.connect(org.relay.url);
    const sub = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    const code = await org.openEnrolment(sub.requestId, req.encoded);
    const stranger = IdentityKeyPair.generate();
    const cert = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 5, userId: 'alice', deviceId: 1, identityKey: stranger.publicKey, notBeforeMs: 0, notAfterMs: Date.now() + DAY,
    });
    expect(await refusal(org.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code, deviceCertificate: cert } }, 'ok'))).toBe('CERTIFICATE_REFUSED');
    expect(await refusal(c.request({ case: 'listPending', value: {} }, 'pending'))).toBe('FORBIDDEN');
    expect(await refusal(c.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code, deviceCertificate: cert } }, 'ok'))).toBe('FORBIDDEN');
    const nonceRecord = issueEnrolmentNonce(org.root.privateKey, { orgId: org.orgId, requestId: sub.requestId, request: req.encoded, nowMs: Date.now() });
    expect(await refusal(c.request({ case: 'issueEnrolmentNonce', value: { requestId: sub.requestId, nonceRecord } }, 'ok'))).toBe('FORBIDDEN');
    await c.close();
  });

  it('refuses an admin login signed by another key', async () => {
    const c = await RelayClient.connect(org.relay.url);
    const fake = IdentityKeyPair.generate();
    expect(await refusal(c.authenticateAdmin((ch) => fake.privateKey.sign(new Uint8Array(ch))))).toBe('AUTH_BAD_SIGNATURE');
    expect((await c.closed).code).toBe(4001);
  });
});

describe('a relay-side attacker who swaps in its own identity key', () => {
  it('cannot make a swapped request show the device\'s code, even with many requests tried before the nonce', async () => {
    // The relay is the attacker here: its own limits on anonymous requests do not bind it.
    await org.stop();
    org = await new TestOrg().start({ limits: { enrolmentsPerConnection: 100, enrolmentsPerAddress: 100 } });
    await org.addUser('alice');
    const device = IdentityKeyPair.generate();
    const mine = createEnrolmentRequest({ orgId: org.orgId, userName: 'alice', deviceName: 'laptop', identity: device, registrationId: 1, nowMs: Date.now() });
    const dc = await RelayClient.connect(org.relay.url);
    const deviceNonce = nonceFor(dc);
    const sub = await dc.request({ case: 'submitEnrolment', value: { request: mine.encoded } }, 'enrolmentSubmitted');

    // Before the officer opens anything the attacker stores as many look-alike requests (same
    // user and device name, its own key) as it likes; it has no way to score them yet.
    const attacker = IdentityKeyPair.generate();
    const ac = await RelayClient.connect(org.relay.url);
    const swapped: { requestId: string; request: Uint8Array }[] = [];
    for (let i = 0; i < 25; i++) {
      const r = createEnrolmentRequest({ orgId: org.orgId, userName: 'alice', deviceName: 'laptop', identity: attacker, registrationId: 1, nowMs: Date.now() });
      const s = await ac.request({ case: 'submitEnrolment', value: { request: r.encoded } }, 'enrolmentSubmitted');
      swapped.push({ requestId: s.requestId, request: r.encoded });
    }

    // The officer's "pending" opens every request; only now do codes exist.
    const officer = new Map<string, string>();
    for (const x of [{ requestId: sub.requestId, request: mine.encoded }, ...swapped]) officer.set(x.requestId, await org.openEnrolment(x.requestId, x.request));
    const shown = deviceCode(sub.requestId, mine.encoded, await deviceNonce);
    expect(shown).toBe(officer.get(sub.requestId));

    // The officer types the device's code against each look-alike: every one is refused
    // (each matches by chance with odds 1e-6, so 25 tries fail but for 1 run in 40,000).
    const cert = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 7, userId: 'alice', deviceId: 1, identityKey: attacker.publicKey, notBeforeMs: 0, notAfterMs: Date.now() + DAY,
    });
    for (const x of swapped) {
      expect(officer.get(x.requestId)).not.toBe(shown);
      expect(await refusal(org.admin.request({ case: 'approveEnrolment', value: { requestId: x.requestId, code: shown, deviceCertificate: cert } }, 'ok'))).toBe('ENROLMENT_CODE_MISMATCH');
    }

    // Learning a nonce does not help either: it names one stored request by id and hash, so a
    // request made afterwards gets no code from it, and the device's nonce fits no other request.
    const late = createEnrolmentRequest({ orgId: org.orgId, userName: 'alice', deviceName: 'laptop', identity: attacker, registrationId: 1, nowMs: Date.now() });
    const lateSub = await ac.request({ case: 'submitEnrolment', value: { request: late.encoded } }, 'enrolmentSubmitted');
    const stolen = await deviceNonce;
    expect(() => deviceCode(lateSub.requestId, late.encoded, stolen)).toThrow(/not for this request/);
    expect(() => deviceCode(sub.requestId, late.encoded, stolen)).toThrow(/not for this request/);
    expect(await refusal(org.admin.request({ case: 'issueEnrolmentNonce', value: { requestId: lateSub.requestId, nonceRecord: stolen } }, 'ok'))).toBe('BAD_REQUEST');
    expect(await refusal(org.admin.request({ case: 'approveEnrolment', value: { requestId: lateSub.requestId, code: shown, deviceCertificate: cert } }, 'ok'))).toBe('ENROLMENT_NOT_OPENED');

    // A nonce the attacker signs itself (it has no root key) is refused by the device: no code shows.
    const forged = issueEnrolmentNonce(attacker.privateKey, { orgId: org.orgId, requestId: sub.requestId, request: mine.encoded, nowMs: Date.now() });
    expect(() => deviceCode(sub.requestId, mine.encoded, forged)).toThrow(SignatureError);

    // The genuine request still goes through with the code the device shows.
    const good = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: 8, userId: 'alice', deviceId: 1, identityKey: device.publicKey, notBeforeMs: 0, notAfterMs: Date.now() + DAY,
    });
    await org.admin.request({ case: 'approveEnrolment', value: { requestId: sub.requestId, code: shown, deviceCertificate: good } }, 'ok');
    await dc.close();
    await ac.close();
  }, 30_000);
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
    const closing = new Promise<{ code: string; revocation: Uint8Array }>((resolve) => live.client.onPush((p) => p.case === 'closing' && resolve(p.value)));
    await org.revokeDevice(d);
    const pushed = await closing;
    expect(pushed.code).toBe('AUTH_REVOKED');
    // The device gets the org-signed revocation of its own certificate: its only reason to erase itself.
    expect(verifyRevocation(pushed.revocation, orgIdentity(org.orgId, org.root.publicKey.serialize()))).toMatchObject({ target: 'device', revokedSerial: d.serial });
    expect((await live.client.closed).code).toBe(4003);
    const again = await Peer.connect(org.relay.url, d).catch((e: unknown) => e as RelayRefused);
    expect(again).toMatchObject({ code: 'AUTH_REVOKED' });
    expect(verifyRevocation((again as RelayRefused).revocation, orgIdentity(org.orgId, org.root.publicKey.serialize()))).toMatchObject({ target: 'device', revokedSerial: d.serial });
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
    const again = await Peer.connect(org.relay.url, d1).catch((e: unknown) => e as RelayRefused);
    expect(again).toMatchObject({ code: 'AUTH_REVOKED' });
    expect(Buffer.from((again as RelayRefused).revocation)).toEqual(Buffer.from(revocation));
  });

  it('refuses an unknown protocol version with a clear close code', async () => {
    await expect(RelayClient.connect(org.relay.url, { protocolVersion: 99 })).rejects.toMatchObject({ code: 'CLOSED_4000' });
  });

  it('tells a client of protocol version 1 (erasing on the relay’s word) to update', async () => {
    const e = (await RelayClient.connect(org.relay.url, { protocolVersion: 1 }).then(() => null, (err: unknown) => err)) as RelayRefused;
    expect(e).toMatchObject({ code: 'CLOSED_4000' });
    expect(e.message).toContain('Update Valise');
  });

  it('refuses device requests before authentication', async () => {
    const c = await RelayClient.connect(org.relay.url);
    expect(await refusal(c.request({ case: 'fetchPrekeys', value: { userId: 'alice' } }, 'prekeyBundles'))).toBe('NOT_AUTHENTICATED');
    await c.close();
  });
});
