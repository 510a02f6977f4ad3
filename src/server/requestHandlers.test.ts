import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayRequestSchema, type RelayRequest } from '../gen/valise/v1/relay_pb.ts';
import { RelayError } from '../relay/errors.ts';
import { RelayParts, type PartDevice } from '../../test/relay/relayParts.ts';
import { handleRequest, REQUEST_HANDLERS, requestWrites, type RequestContext } from './requestHandlers.ts';
import type { DeviceAddress } from './store/RelayStore.ts';

let parts: RelayParts;
afterEach(async () => {
  await parts.close();
});

/** Anyone may ask these before authenticating. */
const OPEN = ['authenticate', 'authenticateAdmin', 'submitEnrolment', 'pollEnrolment'];
const opFields = RelayRequestSchema.fields.filter((f) => f.oneof?.name === 'op');

interface FakeConnection extends RequestContext {
  became: string[];
}

function connection(as: { device?: DeviceAddress; admin?: boolean } = {}): FakeConnection {
  const challenge = new Uint8Array(randomBytes(32));
  return {
    relay: parts.relay,
    became: [],
    takeChallenge: () => challenge,
    requireDevice() {
      if (!as.device) throw new RelayError('NOT_AUTHENTICATED', 'Authenticate first.');
      return as.device;
    },
    requireAdmin() {
      if (!as.admin) throw new RelayError('FORBIDDEN', 'Only the organisation root key may do this.');
    },
    requireDeviceOrAdmin() {
      if (!as.admin && !as.device) throw new RelayError('NOT_AUTHENTICATED', 'Authenticate first.');
    },
    async becomeDevice(cert) {
      this.became.push(`device ${cert.userId}:${cert.deviceId}`);
      return 0;
    },
    becomeAdmin() {
      this.became.push('admin');
    },
    enrolmentOrigin: () => ({ address: '10.0.0.1', submittedHere: 0 }),
    awaitEnrolment: () => {},
  };
}

/** A request of this kind with every field at its default. */
function blank(kind: string): RelayRequest {
  const field = opFields.find((f) => f.localName === kind)!;
  if (field.fieldKind !== 'message') throw new Error(`${kind} is not a message`);
  return create(RelayRequestSchema, { id: 1n, op: { case: kind, value: create(field.message) } as RelayRequest['op'] });
}

describe('REQUEST_HANDLERS', () => {
  it('has a handler for every request kind of the protocol, and an unknown kind is refused', async () => {
    parts = new RelayParts();
    expect(Object.keys(REQUEST_HANDLERS).sort()).toEqual(opFields.map((f) => f.localName).sort());
    await expect(handleRequest(connection(), create(RelayRequestSchema, { id: 1n }))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(requestWrites(create(RelayRequestSchema, { id: 1n }))).toBe(false);
  });

  it('refuses every request but authentication and enrolment on an unauthenticated connection, and changes nothing', async () => {
    parts = new RelayParts();
    const closed = opFields.map((f) => f.localName).filter((k) => !OPEN.includes(k));
    expect(closed.length).toBeGreaterThan(15);
    for (const kind of closed) {
      // A handler may refuse synchronously (the connection awaits it inside its try either way).
      const err = await Promise.resolve().then(() => handleRequest(connection(), blank(kind))).then(() => undefined, (e: unknown) => e);
      expect(err, kind).toBeInstanceOf(RelayError);
      expect(['NOT_AUTHENTICATED', 'FORBIDDEN'], kind).toContain((err as RelayError).code);
    }
    expect(await parts.store.listMembers()).toEqual([]);
    expect(parts.audit()).toEqual([]);
  });

  it("refuses the officer's requests to a device connection", async () => {
    parts = new RelayParts();
    const bob = await parts.user('bob');
    const asBob = connection({ device: { userId: bob.userId, deviceId: bob.deviceId } });
    for (const kind of ['issueEnrolmentNonce', 'listPending', 'publishMember', 'approveEnrolment', 'publishRevocation', 'readAudit']) {
      await expect(handleRequest(asBob, blank(kind)), kind).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    const takeover = create(RelayRequestSchema, { id: 2n, op: { case: 'publishMember', value: { memberCertificate: parts.memberCertificate('bob', { serial: 99, roles: ['security-officer'] }) } } });
    await expect(handleRequest(asBob, takeover)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await parts.relay.directory.isSecurityOfficer('bob')).toBe(false);
  });

  it('makes a connection a device only with a signature over its own challenge', async () => {
    parts = new RelayParts();
    const bob: PartDevice = await parts.user('bob');
    const c = connection();
    const forged = create(RelayRequestSchema, { id: 1n, op: { case: 'authenticate', value: { deviceCertificate: bob.certificate, signature: parts.sign(bob, new Uint8Array(randomBytes(32))) } } });
    await expect(handleRequest(c, forged)).rejects.toMatchObject({ code: 'AUTH_BAD_SIGNATURE' });
    expect(c.became).toEqual([]);
    const good = create(RelayRequestSchema, { id: 2n, op: { case: 'authenticate', value: { deviceCertificate: bob.certificate, signature: parts.sign(bob, c.takeChallenge()) } } });
    expect(await handleRequest(c, good)).toMatchObject({ case: 'authenticated', value: { userId: 'bob', deviceId: 1 } });
    expect(c.became).toEqual(['device bob:1']);
    const admin = create(RelayRequestSchema, { id: 3n, op: { case: 'authenticateAdmin', value: { signature: parts.sign(bob, c.takeChallenge()) } } });
    await expect(handleRequest(c, admin)).rejects.toMatchObject({ code: 'AUTH_BAD_SIGNATURE' });
    expect(c.became).toEqual(['device bob:1']);
  });
});
