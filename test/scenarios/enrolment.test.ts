/**
 * The engine's join flow against a real relay: no code until the security officer opens the
 * request, then the code derived from the device's own request and the officer's nonce; a wrong
 * code is refused; the right one enrols the device.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { issueDeviceCertificate, verifyEnrolmentRequest } from '../../src/crypto/index.ts';
import { RelayRefused } from '../../src/relay/errors.ts';
import { DAY } from '../relay/fixtures.ts';
import { deviceCode, orgJson, PASSPHRASE, Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('joining an organisation', () => {
  it('shows the code only after the officer opens the request, refuses a wrong code, enrols with the right one', async () => {
    sc = await new Scenario().start();
    await sc.user('carol');
    const node = sc.engine(sc.profileDir(), 'carol');
    const joined = await node.call('joinOrganisation', { orgJson: orgJson(sc.org), displayName: 'carol', keyProvider: 'passphrase', passphrase: PASSPHRASE });
    expect(joined.comparisonCode).toBeNull();
    await new Promise((r) => setTimeout(r, 300)); // a few polls of the relay
    expect(await node.call('enrolmentStatus', {})).toEqual({ state: 'pending', comparisonCode: null });

    const { pending } = await sc.org.admin.request({ case: 'listPending', value: {} }, 'pending');
    const p = pending.find((x) => x.requestId === joined.requestId)!;
    const officerCode = await sc.org.openEnrolment(p.requestId, p.request);
    const shown = await deviceCode(node);
    expect(shown).toBe(officerCode);
    await until(() => node.events.some((e) => e.type === 'enrolment' && e.state === 'code'), 5_000, 'code event');

    const certificate = issueDeviceCertificate(sc.org.root.privateKey, {
      orgId: sc.org.orgId, serial: sc.org.nextSerial(), userId: p.matchedUserId, deviceId: p.nextDeviceId,
      identityKey: verifyEnrolmentRequest(p.request).identityKey, notBeforeMs: Date.now() - DAY, notAfterMs: Date.now() + DAY,
    });
    const wrong = String((Number(shown) + 1) % 1_000_000).padStart(6, '0');
    const refused = await sc.org.admin.request({ case: 'approveEnrolment', value: { requestId: p.requestId, code: wrong, deviceCertificate: certificate } }, 'ok').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RelayRefused);
    expect((refused as RelayRefused).code).toBe('ENROLMENT_CODE_MISMATCH');
    expect((await node.call('status', {})).state).toBe('enrolling');

    await sc.org.admin.request({ case: 'approveEnrolment', value: { requestId: p.requestId, code: shown, deviceCertificate: certificate } }, 'ok');
    await until(async () => (await node.call('status', {})).state === 'unlocked', 10_000, 'carol enrolled');
    const audit = await sc.org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 100 } }, 'audit');
    expect(audit.entries.map((e) => e.event).filter((e) => e.startsWith('enrolment.'))).toEqual([
      'enrolment.requested', 'enrolment.nonce-issued', 'enrolment.code-mismatch', 'enrolment.approved',
    ]);
  }, 30_000);
});
