import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, generateOrgRootKey, issueDeviceCertificate, issueEnrolmentNonce, issueMemberCertificate, type OrgRootKey } from '../../crypto/index.ts';
import type { RelayClient } from '../../relay/RelayClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import { systemClock } from './Clock.ts';
import { Enrolment } from './Enrolment.ts';
import { ProfileStore } from './ProfileStore.ts';

const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASS = 'correct horse battery staple';
const DAY = 86_400_000;
const dirs: string[] = [];
const flows: Enrolment[] = [];
afterEach(() => {
  for (const f of flows.splice(0)) f.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The relay as enrolment sees it: it takes the request and answers polls with what the test says. */
class FakeRelay {
  submitted: Uint8Array | null = null;
  poll: { state: number; nonceRecord: Uint8Array; deviceCertificate: Uint8Array; memberCertificate: Uint8Array } = { state: 1, nonceRecord: new Uint8Array(), deviceCertificate: new Uint8Array(), memberCertificate: new Uint8Array() };
  down = false;
  client(): RelayClient {
    return {
      request: (op: { case: string; value: { request?: Uint8Array } }) => {
        if (this.down) return Promise.reject(Object.assign(new Error('unreachable'), { code: 'RELAY_UNAVAILABLE' }));
        if (op.case === 'submitEnrolment') {
          this.submitted = op.value.request!;
          return Promise.resolve({ requestId: 'req-1' });
        }
        return Promise.resolve(this.poll);
      },
      kill: () => undefined,
      close: () => Promise.resolve(),
    } as unknown as RelayClient;
  }
}

async function joining(o: { down?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-en-'));
  dirs.push(dir);
  const root = generateOrgRootKey();
  const relay = new FakeRelay();
  relay.down = o.down ?? false;
  const profile = new ProfileStore(dir, { argon2: FAST_ARGON2 });
  const events: ApiEvent[] = [];
  let opened = 0;
  const flow = new Enrolment({
    profile, clock: systemClock, log: pino({ level: 'silent' }), emit: (e) => events.push(e),
    connect: () => (relay.down ? Promise.reject(new Error('unreachable')) : Promise.resolve(relay.client())),
    serial: (f) => f(), opened: async () => void opened++, sessionOpen: () => opened > 0, deviceName: 'laptop', pollMs: 20,
  });
  flows.push(flow);
  const orgJson = JSON.stringify({ orgId: 'org-a', name: 'Delegation', orgPublicKey: Buffer.from(root.publicKey.serialize()).toString('base64'), relayUrl: 'ws://127.0.0.1:1' });
  const join = () => flow.join({ orgJson, displayName: 'Bob', keyProvider: 'passphrase', passphrase: PASS });
  return { dir, root, relay, profile, events, flow, join, opened: () => opened };
}

const until = async (p: () => boolean, what: string) => {
  const end = Date.now() + 5000;
  while (!p()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

function certificates(root: OrgRootKey, identityKey: ReturnType<typeof generateDeviceIdentity>['identityKeyPair']['publicKey']) {
  const now = Date.now();
  return {
    memberCertificate: issueMemberCertificate(root.privateKey, { orgId: 'org-a', serial: 1, userId: 'bob', displayName: 'Bob', clearance: 1, roles: ['delegate'], notBeforeMs: now - DAY, notAfterMs: now + DAY }),
    deviceCertificate: issueDeviceCertificate(root.privateKey, { orgId: 'org-a', serial: 2, userId: 'bob', deviceId: 1, identityKey, notBeforeMs: now - DAY, notAfterMs: now + DAY }),
  };
}

describe('Enrolment', () => {
  it('shows a code only for an org-signed nonce that names our own request', async () => {
    const { root, relay, events, flow, join } = await joining();
    expect(await join()).toEqual({ comparisonCode: null, requestId: 'req-1' });
    expect(flow.status()).toEqual({ state: 'pending', comparisonCode: null });
    // A nonce the relay made up (signed by another key) shows nothing.
    flow.codeArrived(issueEnrolmentNonce(generateOrgRootKey().privateKey, { orgId: 'org-a', requestId: 'req-1', request: relay.submitted!, nowMs: Date.now() }));
    // One for another request neither.
    flow.codeArrived(issueEnrolmentNonce(root.privateKey, { orgId: 'org-a', requestId: 'req-1', request: new Uint8Array(40).fill(3), nowMs: Date.now() }));
    expect(flow.status().comparisonCode).toBeNull();
    expect(events).toEqual([]);
    relay.poll = { ...relay.poll, nonceRecord: issueEnrolmentNonce(root.privateKey, { orgId: 'org-a', requestId: 'req-1', request: relay.submitted!, nowMs: Date.now() }) };
    await until(() => flow.status().comparisonCode !== null, 'the code');
    expect(flow.status().comparisonCode).toMatch(/\d/);
    expect(events).toEqual([{ type: 'enrolment', state: 'code' }]);
  });

  it('refuses certificates for another identity key and stays enrolling', async () => {
    const { root, profile, flow, join, opened } = await joining();
    await join();
    const c = certificates(root, generateDeviceIdentity().identityKeyPair.publicKey);
    await expect(flow.finish(c.deviceCertificate, c.memberCertificate)).rejects.toMatchObject({ code: 'ENROLMENT_REJECTED' });
    expect(opened()).toBe(0);
    expect(profile.meta()?.state).toBe('enrolling');
    expect(profile.me()).toBeNull();
  });

  it('finishes on the officer’s approval: who I am recorded, profile ready, session opened', async () => {
    const { root, relay, profile, events, flow, join, opened } = await joining();
    await join();
    const c = certificates(root, (await profile.loadIdentity()).identityKeyPair.publicKey);
    relay.poll = { state: 2, nonceRecord: new Uint8Array(), ...c };
    await until(() => opened() === 1, 'the session');
    expect(profile.meta()?.state).toBe('ready');
    expect(profile.me()).toMatchObject({ userId: 'bob', deviceId: 1, displayName: 'Bob', orgRoles: ['delegate'] });
    expect(flow.status().state).toBe('approved');
    expect(events.at(-1)).toEqual({ type: 'enrolment', state: 'approved' });
  });

  it('says so when the officer rejects the request', async () => {
    const { relay, events, flow, join } = await joining();
    await join();
    relay.poll = { ...relay.poll, state: 3 };
    await until(() => events.some((e) => e.type === 'enrolment' && e.state === 'rejected'), 'the rejection');
    expect(flow.status().state).toBe('rejected');
  });

  it('leaves no profile behind when the relay cannot take the request', async () => {
    const { dir, profile, join } = await joining({ down: true });
    await expect(join()).rejects.toBeTruthy();
    expect(profile.meta()).toBeNull();
    for (const f of ['key.json', 'valise.db', 'profile.json']) expect(fs.existsSync(path.join(dir, f))).toBe(false);
  });
});
