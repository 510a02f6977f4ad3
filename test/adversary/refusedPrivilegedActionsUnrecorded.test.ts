/**
 * Attack: an insider probes what the relay lets through (a wipe, a pause, a send into a channel it
 * is not in, an enrolment the officer's tool would refuse) and leaves no trace: refusals were
 * neither logged nor written to the audit log the officer reads.
 */
import { Writable } from 'node:stream';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnrolmentRequest, issueDeviceCertificate, nextStateFields, signChannelState } from '../../src/crypto/index.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { createChannel, DAY, envelope, send, TestOrg, wipeCommand } from '../relay/fixtures.ts';

let org: TestOrg;

afterEach(async () => {
  await org.stop();
});

describe('refused privileged actions', () => {
  it('are logged and audited without content, and the officer\'s audit listing shows each', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb(); } }));
    org = await new TestOrg().start({ logger });
    for (const u of ['lead', 'bob', 'eve']) await org.addUser(u, { roles: u === 'lead' ? ['lead'] : ['delegate'] });
    const [lead, bob, eve] = await Promise.all([await org.enrol('lead'), await org.enrol('bob'), await org.enrol('eve')].map((d) => org.connect(d)));
    const s0 = await createChannel(lead!, ['lead', 'bob']);
    const channelHex = Buffer.from(s0.channelId).toString('hex');

    await expect(send(eve!, envelope(eve!.device, { channelId: s0.channelId, body: 'SECRET-BODY' }))).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    const pause = signChannelState(bob!.device.identity.privateKey, nextStateFields(s0, bob!.address, Date.now(), { status: 'paused', pausedReason: 'SECRET-REASON' }));
    await expect(bob!.client.request({ case: 'publishChannelChange', value: { change: pause } }, 'ok')).rejects.toMatchObject({ code: 'CHANNEL_CHANGE_REFUSED' });
    await expect(bob!.client.request({ case: 'sendWipe', value: { wipe: wipeCommand(bob!, s0) } }, 'sent')).rejects.toMatchObject({ code: 'FORBIDDEN' });

    // An approval the relay refuses: the certificate is for another key than the request's.
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: org.orgId, userName: 'bob', deviceName: 'phone', identity, registrationId: 3, nowMs: Date.now() });
    const anon = await RelayClient.connect(org.relay.url);
    const { requestId } = await anon.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    const code = await org.openEnrolment(requestId, req.encoded);
    const wrongKey = issueDeviceCertificate(org.root.privateKey, {
      orgId: org.orgId, serial: org.nextSerial(), userId: 'bob', deviceId: 2, identityKey: IdentityKeyPair.generate().publicKey,
      notBeforeMs: Date.now() - DAY, notAfterMs: Date.now() + DAY,
    });
    await expect(org.admin.request({ case: 'approveEnrolment', value: { requestId, code, deviceCertificate: wrongKey } }, 'ok')).rejects.toMatchObject({ code: 'CERTIFICATE_REFUSED' });
    await anon.close();

    const audit = (await org.admin.request({ case: 'readAudit', value: { afterSeq: 0n, limit: 1000 } }, 'audit')).entries;
    const refused = audit.filter((e) => e.event.endsWith('.refused'));
    expect(refused.map((e) => [e.event, e.actor, e.subject, e.detail])).toEqual([
      ['send.refused', `eve:${eve!.device.deviceId}`, channelHex, 'NOT_A_MEMBER'],
      ['channel.change.refused', `bob:${bob!.device.deviceId}`, channelHex, 'CHANNEL_CHANGE_REFUSED: not-allowed'],
      ['channel.wipe.refused', `bob:${bob!.device.deviceId}`, channelHex, 'FORBIDDEN'],
      ['enrolment.approval.refused', 'org', requestId, 'CERTIFICATE_REFUSED'],
    ]);
    const logged = lines.map((l) => JSON.parse(l) as { refused?: string }).filter((l) => l.refused);
    expect(logged.map((l) => l.refused)).toEqual(refused.map((e) => e.event));
    for (const text of [...lines, ...audit.map((e) => JSON.stringify({ ...e, seq: 0, atMs: 0 }))]) {
      expect(text).not.toMatch(/SECRET-BODY|SECRET-REASON/);
    }
  });
});
