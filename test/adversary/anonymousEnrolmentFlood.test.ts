/**
 * Attack: anyone who can reach the relay, without any certificate, used to be able to store
 * unlimited enrolment requests (each one more 1-in-10⁶ draw at the officer's code once opened),
 * keep a connection waiting forever by re-sending its request (each re-arming a 30-minute timer),
 * and put ANSI escapes, bidi overrides or invisible characters in the name the officer reads.
 */
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnrolmentRequest } from '../../src/crypto/index.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { TestOrg } from '../relay/fixtures.ts';

let org: TestOrg;
const clients: RelayClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  await org.stop();
});

function request(userName = 'alice'): Uint8Array {
  return createEnrolmentRequest({ orgId: org.orgId, userName, deviceName: 'laptop', identity: IdentityKeyPair.generate(), registrationId: 1, nowMs: Date.now() }).encoded;
}

async function anonymous(localAddress = '127.0.0.1'): Promise<RelayClient> {
  const c = await RelayClient.connect(org.relay.url, { ws: { localAddress } });
  clients.push(c);
  return c;
}

const submit = (c: RelayClient, req: Uint8Array) => c.request({ case: 'submitEnrolment', value: { request: req } }, 'enrolmentSubmitted');

describe('anonymous enrolment requests', () => {
  it('are capped per connection, per address and in total', async () => {
    org = await new TestOrg().start({ limits: { enrolmentsPerConnection: 2, enrolmentsPerAddress: 3, enrolmentsPending: 5 } });
    const one = await anonymous();
    await submit(one, request());
    await submit(one, request());
    await expect(submit(one, request())).rejects.toMatchObject({ code: 'ENROLMENT_LIMIT' });
    const two = await anonymous();
    await submit(two, request());
    await expect(submit(two, request())).rejects.toMatchObject({ code: 'ENROLMENT_LIMIT' }); // a 4th from 127.0.0.1
    // Other addresses, until the relay holds as many as it takes in total.
    await submit(await anonymous('127.0.0.2'), request());
    await submit(await anonymous('127.0.0.3'), request());
    await expect(submit(await anonymous('127.0.0.4'), request())).rejects.toMatchObject({ code: 'ENROLMENT_LIMIT' });
    const pending = await org.admin.request({ case: 'listPending', value: {} }, 'pending');
    expect(pending.pending).toHaveLength(5);
  });

  it('re-sending a request neither adds one nor keeps the connection waiting past its first deadline', async () => {
    org = await new TestOrg().start({ limits: { enrolmentWaitMs: 1500 } });
    const c = await anonymous();
    const req = request();
    const started = Date.now();
    const first = await submit(c, req);
    let closedAt = 0;
    void c.closed.then(() => (closedAt = Date.now()));
    for (let i = 0; i < 6 && c.isOpen; i++) {
      await new Promise((r) => setTimeout(r, 400));
      if (!c.isOpen) break;
      const again = await submit(c, req).catch(() => undefined);
      if (again) expect(again.requestId).toBe(first.requestId);
    }
    const deadline = Date.now() + 3000;
    while (c.isOpen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(c.isOpen).toBe(false);
    expect((closedAt || Date.now()) - started).toBeLessThan(2500);
    const pending = await org.admin.request({ case: 'listPending', value: {} }, 'pending');
    expect(pending.pending).toHaveLength(1);
  });

  it('refuse a name with ANSI escapes, bidi overrides, zero-width or control characters', async () => {
    org = await new TestOrg().start();
    const c = await anonymous();
    for (const name of ['\u001b[2J\u001b[Hsecurity officer', 'alice\u202Eecila', 'al\u200Bice', 'alice\u0007', 'ali\u2066ce']) {
      await expect(submit(c, request(name)), JSON.stringify(name)).rejects.toMatchObject({ code: 'NAME_REFUSED' });
    }
    await submit(c, request('Zoë Ångström-Łukasiewicz'));
    const pending = await org.admin.request({ case: 'listPending', value: {} }, 'pending');
    expect(pending.pending).toHaveLength(1);
  });
});
