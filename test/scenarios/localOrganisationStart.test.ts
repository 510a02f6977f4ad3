/**
 * Starting an organisation on this machine, with the engine's parts composed by hand around the
 * real embedded relay: what the founder gets (officer and lead, top clearance, the default
 * classifications) and that the relay comes back where it was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { orgIdentity, readMemberCertificate } from '../../src/crypto/index.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../src/shared/model/classification.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import { systemClock } from '../../src/main/engine/Clock.ts';
import { Enrolment } from '../../src/main/engine/Enrolment.ts';
import { Lifecycle } from '../../src/main/engine/Lifecycle.ts';
import { LocalOrganisation } from '../../src/main/engine/LocalOrganisation.ts';
import { parseOrgConfig } from '../../src/main/engine/OrgConfig.ts';
import { ProfileStore } from '../../src/main/engine/ProfileStore.ts';

const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASS = 'correct horse battery staple';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function machine(dir?: string) {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'valise-lo-'));
  const d = dir;
  const log = pino({ level: 'silent' });
  const profile = new ProfileStore(d, { argon2: FAST_ARGON2 });
  const lifecycle = new Lifecycle({ profile, clock: systemClock, log, emit: () => undefined });
  const enrolment = new Enrolment({
    profile, clock: systemClock, log, emit: () => undefined, connect: (org) => RelayClient.connect(org.relayUrl),
    serial: (f) => lifecycle.serial(f), opened: () => lifecycle.open(), sessionOpen: () => lifecycle.session !== null, deviceName: 'laptop',
  });
  const local = new LocalOrganisation({ profile, clock: systemClock, log, enrolment, status: () => lifecycle.status(), startRelay });
  const close = async () => {
    await lifecycle.close();
    await local.stopRelay();
  };
  return { dir: d, profile, lifecycle, local, close };
}

describe('a local organisation', () => {
  it('starts an organisation with the default classifications, its relay here, and its founder as officer and lead', async () => {
    const m = machine();
    cleanups.push(async () => fs.rmSync(m.dir, { recursive: true, force: true }), m.close);
    const r = await m.local.start({ orgName: 'Délégation', displayName: 'Alice Martin', keyProvider: 'passphrase', passphrase: PASS });
    expect(r.state).toBe('unlocked');
    expect(r.relayUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const shared = parseOrgConfig(r.orgJson);
    expect(shared).toMatchObject({ name: 'Délégation', relayUrl: r.relayUrl, local: true, classifications: DEFAULT_CLASSIFICATIONS });
    const me = m.profile.me()!;
    const member = readMemberCertificate(Buffer.from(me.memberCertificate, 'hex'), orgIdentity(shared.orgId, shared.orgPublicKey));
    expect(member).toMatchObject({ displayName: 'Alice Martin', clearance: Math.max(...DEFAULT_CLASSIFICATIONS.map((c) => c.level)) });
    expect([...member.roles].sort()).toEqual(['lead', 'security-officer']);
    expect(m.local.officer(m.lifecycle.need())).toBeTruthy();
    expect(m.profile.meta()).toMatchObject({ local: true, state: 'ready' });
  });

  it('brings its relay back on the same port after a restart', async () => {
    const first = machine();
    cleanups.push(async () => fs.rmSync(first.dir, { recursive: true, force: true }));
    const r = await first.local.start({ orgName: 'D', displayName: 'Alice', keyProvider: 'passphrase', passphrase: PASS });
    await first.close();
    const again = machine(first.dir);
    cleanups.push(again.close);
    await again.profile.unlock(PASS);
    const relay = await again.local.startRelay();
    expect(relay.url).toBe(r.relayUrl);
    expect(again.profile.org().relayUrl).toBe(r.relayUrl);
  });

  it('has no security office without a local organisation', async () => {
    const m = machine();
    cleanups.push(async () => fs.rmSync(m.dir, { recursive: true, force: true }), m.close);
    await m.local.start({ orgName: 'D', displayName: 'Alice', keyProvider: 'passphrase', passphrase: PASS });
    await m.local.stopRelay();
    expect(() => m.local.officer(m.lifecycle.need())).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });
});
