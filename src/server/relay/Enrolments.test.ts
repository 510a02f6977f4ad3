import { afterEach, describe, expect, it } from 'vitest';
import { createEnrolmentRequest, enrolmentCode, issueDeviceCertificate, issueEnrolmentNonce } from '../../crypto/index.ts';
import { newIdentity, RelayParts, T0, type IdentityKeyPair } from '../../../test/relay/relayParts.ts';

let parts: RelayParts;
afterEach(async () => {
  await parts.close();
});

function request(userName = 'bob'): { bytes: Uint8Array; identity: IdentityKeyPair } {
  const identity = newIdentity();
  const r = createEnrolmentRequest({ orgId: parts.orgId, userName, deviceName: 'laptop', identity, registrationId: 7, nowMs: parts.nowMs });
  return { bytes: r.encoded, identity };
}

const from = (address: string, submittedHere = 0) => ({ address, submittedHere });

describe('Enrolments.submit', () => {
  it('counts the same request bytes once: same id, no new entry, no quota used', async () => {
    parts = new RelayParts({ enrolmentsPerAddress: 1 });
    const en = parts.relay.enrolments;
    const r = request();
    const first = await en.submit(r.bytes, from('10.0.0.1'));
    expect(first.fresh).toBe(true);
    expect(await en.submit(r.bytes, from('10.0.0.1', 1))).toEqual({ requestId: first.requestId, fresh: false });
    expect(await en.listPending()).toHaveLength(1);
    await expect(en.submit(request().bytes, from('10.0.0.1'))).rejects.toMatchObject({ code: 'ENROLMENT_LIMIT' });
  });

  it('refuses beyond the per-connection cap', async () => {
    parts = new RelayParts({ enrolmentsPerConnection: 2 });
    const en = parts.relay.enrolments;
    await en.submit(request().bytes, from('10.0.0.1', 0));
    await en.submit(request().bytes, from('10.0.0.1', 1));
    await expect(en.submit(request().bytes, from('10.0.0.1', 2))).rejects.toMatchObject({ code: 'ENROLMENT_LIMIT' });
    expect(await en.listPending()).toHaveLength(2);
  });

  it('refuses beyond the per-address cap within the window, other addresses still served, and again after the window', async () => {
    parts = new RelayParts({ enrolmentsPerAddress: 2, enrolmentWindowMs: 60_000 });
    const en = parts.relay.enrolments;
    await en.submit(request().bytes, from('10.0.0.1'));
    await en.submit(request().bytes, from('10.0.0.1'));
    await expect(en.submit(request().bytes, from('10.0.0.1'))).rejects.toMatchObject({ code: 'ENROLMENT_LIMIT' });
    expect((await en.submit(request().bytes, from('10.0.0.2'))).fresh).toBe(true);
    parts.nowMs += 60_001;
    expect((await en.submit(request().bytes, from('10.0.0.1'))).fresh).toBe(true);
  });

  it('refuses beyond the total of unapproved requests from any address', async () => {
    parts = new RelayParts({ enrolmentsPending: 3 });
    const en = parts.relay.enrolments;
    for (let i = 0; i < 3; i++) await en.submit(request().bytes, from(`10.0.0.${i}`));
    await expect(en.submit(request().bytes, from('10.9.9.9'))).rejects.toMatchObject({ code: 'ENROLMENT_LIMIT' });
    expect(await en.listPending()).toHaveLength(3);
  });
});

describe('Enrolments approval', () => {
  it('refuses a wrong code (audited), a certificate for another key, and approves with the right code once', async () => {
    parts = new RelayParts();
    const en = parts.relay.enrolments;
    await parts.relay.directory.publishMember(parts.memberCertificate('bob'));
    const r = request('bob');
    const { requestId } = await en.submit(r.bytes, from('10.0.0.1'));
    const certFor = (key: IdentityKeyPair) => issueDeviceCertificate(parts.root.privateKey, {
      orgId: parts.orgId, serial: 50, userId: 'bob', deviceId: 1, identityKey: key.publicKey, notBeforeMs: T0 - 1000, notAfterMs: T0 + 1e9,
    });
    await expect(en.approve(requestId, '000000', certFor(r.identity))).rejects.toMatchObject({ code: 'ENROLMENT_NOT_OPENED' });

    const opened = { orgId: parts.orgId, requestId, request: r.bytes };
    const nonce = issueEnrolmentNonce(parts.root.privateKey, { ...opened, nowMs: parts.nowMs });
    const approvedWith: Uint8Array[] = [];
    en.waitFor(requestId, { nonceIssued: () => {}, approved: (device) => approvedWith.push(device) });
    await en.issueNonce(requestId, nonce);
    await expect(en.issueNonce(requestId, nonce)).rejects.toMatchObject({ code: 'ENROLMENT_NONCE_ISSUED' });
    const code = enrolmentCode(parts.root.publicKey, opened, nonce);

    await expect(en.approve(requestId, code === '111111' ? '222222' : '111111', certFor(r.identity))).rejects.toMatchObject({ code: 'ENROLMENT_CODE_MISMATCH' });
    expect(parts.audit().map((e) => e.event)).toContain('enrolment.code-mismatch');
    await expect(en.approve(requestId, code, certFor(newIdentity()))).rejects.toMatchObject({ code: 'CERTIFICATE_REFUSED' });
    expect(approvedWith).toEqual([]);

    await en.approve(requestId, code, certFor(r.identity));
    expect(approvedWith).toHaveLength(1);
    expect((await en.status(requestId)).state).toBe('approved');
    expect(await parts.store.getDevice('bob', 1)).toBeTruthy();
    await expect(en.approve(requestId, code, certFor(r.identity))).rejects.toMatchObject({ code: 'ENROLMENT_UNKNOWN' });
  });
});
