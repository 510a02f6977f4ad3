/**
 * Attack: anyone who can reach the relay stores enrolment requests, and a relay can invent them.
 * The old `valise-admin pending` opened every waiting request, so the requester decided how many
 * 1-in-10⁶ draws at a matching comparison code there were; a Cyrillic "А" passed the look-alike
 * warning; and a name carrying ANSI escapes reached the officer's terminal raw. Now `pending` only
 * lists, the officer opens the one request they pick, look-alikes are compared by their confusable
 * skeleton, and everything printed is made printable.
 */
import { create } from '@bufbuild/protobuf';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEnrolmentRequest } from '../../src/crypto/index.ts';
import type { AdminTool } from '../../src/cli/admin/AdminTool.ts';
import type { RunningRelay } from '../../src/server/startRelay.ts';
import { PendingEnrolmentSchema } from '../../src/gen/valise/v1/relay_pb.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import type { OrgFile } from '../../src/relay/readOrgConfig.ts';
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
  rig = await officerBehindHostileRelay('valise-open-one-', (f) => rewrite(f), devices);
  ({ org, relay, sent, tool } = rig);
});

afterEach(() => rig.close());

const request = (userName: string) =>
  createEnrolmentRequest({ orgId: org.orgId, userName, deviceName: 'laptop', identity: IdentityKeyPair.generate(), registrationId: 1, nowMs: Date.now() }).encoded;

async function submit(userName: string): Promise<string> {
  const c = await RelayClient.connect(relay.url);
  devices.push(c);
  return (await c.request({ case: 'submitEnrolment', value: { request: request(userName) } }, 'enrolmentSubmitted')).requestId;
}

/** How many nonces (draws at a code) the officer's tool has issued. */
const draws = () => sent.filter((f) => f.body.case === 'request' && f.body.value.op.case === 'issueEnrolmentNonce').length;

describe('the officer opens only the request they pick', () => {
  it('pending draws no code; open draws exactly one, for the request named', async () => {
    const ids = [await submit('Alice'), await submit('Bob'), await submit('Carol'), await submit('Dan')];
    const listed = await tool.pending();
    expect(listed.map((r) => r.requestId).sort()).toEqual([...ids].sort());
    expect(listed.every((r) => r.code === '')).toBe(true);
    expect(draws()).toBe(0);
    const opened = await tool.open(ids[1]!);
    expect(opened).toMatchObject({ requestId: ids[1], userName: 'Bob' });
    expect(opened.code).toMatch(/^\d{6}$/);
    expect(await tool.open('carol')).toMatchObject({ requestId: ids[2] }); // by name, when only one gives it
    expect(draws()).toBe(2);
    expect((await tool.pending()).filter((r) => r.code !== '').map((r) => r.requestId).sort()).toEqual([ids[1], ids[2]].sort());
    // Opening again draws nothing new.
    await tool.open(ids[1]!);
    expect(draws()).toBe(2);
  });

  it('a look-alike name (Cyrillic А) trips the twins warning and cannot be opened by name', async () => {
    await submit('Alice Martin');
    await submit('\u0410lice Martin');
    await submit('Bob');
    const rows = await tool.pending();
    expect(rows.filter((r) => /2 requests for this name or a look-alike/.test(r.warning))).toHaveLength(2);
    expect(rows.find((r) => r.userName === 'Bob')!.warning).toBe('');
    await expect(tool.open('Alice Martin')).rejects.toMatchObject({ code: 'ENROLMENT_AMBIGUOUS' });
    expect(draws()).toBe(0);
  });

  it('names with terminal escapes or bidi controls, even from a relay that forges the request, are printed escaped', async () => {
    const hostile = '\u001b[2J\u001b[1;1HAmbassador\u202Etxt.exe\u0007';
    rewrite = (f) => {
      if (f.body.case !== 'response' || f.body.value.result.case !== 'pending') return false;
      f.body.value.result.value.pending.push(create(PendingEnrolmentSchema, { requestId: 'forged\u001b[31m', request: request(hostile), submittedMs: BigInt(Date.now()) }));
      return true;
    };
    await submit('Eve');
    const rows = await tool.pending();
    expect(rows).toHaveLength(2);
    const text = JSON.stringify(rows.map((r) => [r.requestId, r.userName, r.deviceName, r.warning]));
    expect(text).not.toMatch(/\\u001b|\\u0007|\u202E/);
    expect(rows.find((r) => r.userName.includes('Ambassador'))!.userName).toBe('\\u{1B}[2J\\u{1B}[1;1HAmbassador\\u{202E}txt.exe\\u{7}');
  });
});
