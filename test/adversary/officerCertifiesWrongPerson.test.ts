/**
 * Attack: the relay (or a colleague whose display name collides with another's) leads the
 * security officer to certify a genuine device — one whose comparison code really matches — as
 * someone else: the ambassador, or an existing device of theirs, whose key the new certificate
 * would replace. The old tool took the user and the device id from the relay's unverified
 * `listPending` answer. Now the officer names the user, the tool takes user and device id from the
 * org-signed directory (and its own record of what it certified), and a request is approved only
 * for the user whose enrolment token it carries.
 */
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEnrolmentRequest, enrolmentCode, orgIdentity, readDeviceCertificate } from '../../src/crypto/index.ts';
import type { AdminTool } from '../../src/cli/admin/AdminTool.ts';
import type { RunningRelay } from '../../src/server/startRelay.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { orgPublicKeyBytes, type OrgFile } from '../../src/relay/readOrgConfig.ts';
import { officerBehindHostileRelay, type OfficerRig } from './officerBehindHostileRelay.ts';
import type { ClientFrame, ServerFrame } from '../../src/gen/valise/v1/relay_pb.ts';

let org: OrgFile;
let relay: RunningRelay;
/** Every frame the officer's tool sent, as the relay saw it. */
let sent: ClientFrame[];
/** The relay's lie of the moment: rewrites an answer in place, true when it did. */
let rewrite: (f: ServerFrame) => boolean;
let tool: AdminTool;
const devices: RelayClient[] = [];

let rig: OfficerRig;

beforeEach(async () => {
  rewrite = () => false;
  rig = await officerBehindHostileRelay('valise-wrong-person-', (f) => rewrite(f), devices);
  ({ org, relay, sent, tool } = rig);
});

afterEach(() => rig.close());

/** A genuine device asking to enrol; `code()` is what its screen shows once the officer opened it. */
async function device(userName: string, enrolmentToken: string) {
  const identity = IdentityKeyPair.generate();
  const req = createEnrolmentRequest({ orgId: org.orgId, userName, deviceName: 'laptop', identity, registrationId: 7, nowMs: Date.now(), enrolmentToken });
  const c = await RelayClient.connect(relay.url);
  devices.push(c);
  const nonce = new Promise<Uint8Array>((resolve) => c.onPush((p) => p.case === 'enrolment' && p.value.nonceRecord.length > 0 && resolve(p.value.nonceRecord)));
  const { requestId } = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
  const root = orgIdentity(org.orgId, orgPublicKeyBytes(org)).rootPublicKey;
  return { requestId, identity, code: async () => enrolmentCode(root, { orgId: org.orgId, requestId, request: req.encoded }, await nonce) };
}

/** Every device certificate the officer's tool sent out, as the relay saw it. */
function issued(): { userId: string; deviceId: number }[] {
  const id = orgIdentity(org.orgId, orgPublicKeyBytes(org));
  return sent.flatMap((f) => (f.body.case === 'request' && f.body.value.op.case === 'approveEnrolment' ? [readDeviceCertificate(f.body.value.op.value.deviceCertificate, id)] : []))
    .map((c) => ({ userId: c.userId, deviceId: c.deviceId }));
}

/** The hostile relay's lie: every pending request "matches" `userId` with device id `deviceId`. */
function relabelAs(userId: string, deviceId: number): void {
  rewrite = (f) => {
    if (f.body.case !== 'response' || f.body.value.result.case !== 'pending') return false;
    for (const p of f.body.value.result.value.pending) {
      p.matchedUserId = userId;
      p.nextDeviceId = deviceId;
    }
    return true;
  };
}

async function enrolAmbassador() {
  const amb = await tool.addUser({ name: 'Ambassador', clearance: 'SECRET', roles: ['lead', 'security-officer'] });
  const d = await device('Ambassador', amb.enrolmentToken);
  await tool.open(d.requestId);
  expect(await tool.approve(d.requestId, await d.code(), { user: 'Ambassador' })).toEqual({ userId: amb.userId, deviceId: 1 });
  return amb;
}

describe('the officer cannot be led to certify the wrong person', () => {
  it('refuses an insider request the relay relabels as the ambassador, and certifies it only as the insider', async () => {
    const amb = await enrolAmbassador();
    const eve = await tool.addUser({ name: 'Eve', clearance: 'RESTRICTED', roles: ['delegate'] });
    relabelAs(amb.userId, 1);
    const d = await device('Eve', eve.enrolmentToken);
    const opened = await tool.open(d.requestId);
    const code = await d.code();
    expect(opened.code).toBe(code); // a genuine device: its code matches
    expect(opened.tokenOf).toBe(eve.userId);
    // Misled by the relay's label, the officer names the ambassador (by name or by id): refused.
    await expect(tool.approve(d.requestId, code, { user: 'Ambassador' })).rejects.toMatchObject({ code: 'ENROLMENT_TOKEN_MISMATCH' });
    await expect(tool.approve(d.requestId, code, { user: amb.userId })).rejects.toMatchObject({ code: 'ENROLMENT_TOKEN_MISMATCH' });
    expect(await tool.approve(d.requestId, code, { user: 'Eve' })).toEqual({ userId: eve.userId, deviceId: 1 });
    expect(issued()).toEqual([{ userId: amb.userId, deviceId: 1 }, { userId: eve.userId, deviceId: 1 }]);
  });

  it('never issues an existing device id, even when the relay claims it and hides that device from the directory', async () => {
    const amb = await enrolAmbassador();
    const second = await tool.issueToken('Ambassador');
    relabelAs(amb.userId, 1);
    rewrite = ((rewritePending) => (f: ServerFrame) => {
      if (f.body.case === 'response' && f.body.value.result.case === 'directory') {
        for (const e of f.body.value.result.value.entries) e.deviceCertificates = [];
        return true;
      }
      return rewritePending(f);
    })(rewrite);
    const d = await device('Ambassador', second.enrolmentToken);
    await tool.open(d.requestId);
    const code = await d.code();
    await expect(tool.approve(d.requestId, code, { user: amb.userId, deviceId: 1 })).rejects.toMatchObject({ code: 'DEVICE_ID_IN_USE' });
    expect(await tool.approve(d.requestId, code, { user: amb.userId })).toEqual({ userId: amb.userId, deviceId: 2 });
    expect(issued().filter((c) => c.userId === amb.userId && c.deviceId === 1)).toHaveLength(1);
  });

  it('refuses a request without the named user\'s token: none, another user\'s, or one replaced since', async () => {
    const alice = await tool.addUser({ name: 'Alice', clearance: 'SECRET', roles: ['delegate'] });
    const bob = await tool.addUser({ name: 'Bob', clearance: 'SECRET', roles: ['delegate'] });
    const none = await device('Alice', '');
    const bobs = await device('Alice', bob.enrolmentToken);
    const stale = await device('Alice', alice.enrolmentToken);
    const fresh = await tool.issueToken(alice.userId);
    for (const d of [none, bobs, stale]) {
      await tool.open(d.requestId);
      await expect(tool.approve(d.requestId, await d.code(), { user: 'Alice' })).rejects.toMatchObject({ code: 'ENROLMENT_TOKEN_MISMATCH' });
    }
    const good = await device('Alice', fresh.enrolmentToken.toUpperCase().replace(/-/g, ' '));
    await tool.open(good.requestId);
    expect(await tool.approve(good.requestId, await good.code(), { user: 'alice' })).toEqual({ userId: alice.userId, deviceId: 1 });
    // The token is used up: another request with it is refused.
    const again = await device('Alice', fresh.enrolmentToken);
    await tool.open(again.requestId);
    await expect(tool.approve(again.requestId, await again.code(), { user: 'Alice' })).rejects.toMatchObject({ code: 'ENROLMENT_TOKEN_MISMATCH' });
    expect(issued()).toEqual([{ userId: alice.userId, deviceId: 1 }]);
  });
});
