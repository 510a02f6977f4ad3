import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateOrgRootKey } from '../../crypto/index.ts';
import type { EmbeddedRelayOptions, StartEmbeddedRelay } from '../../relay/EmbeddedRelay.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { systemClock } from './Clock.ts';
import type { Enrolment } from './Enrolment.ts';
import { LocalOrganisation } from './LocalOrganisation.ts';
import { ProfileStore } from './ProfileStore.ts';
import type { Session } from './Session.ts';

const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A relay starter that refuses the ports in `taken` and records what it was asked. */
function fakeRelays(taken: number[] = []) {
  const asked: EmbeddedRelayOptions[] = [];
  let closed = 0;
  const start: StartEmbeddedRelay = async (o) => {
    asked.push(o);
    if (taken.includes(o.port ?? 0)) throw Object.assign(new Error('in use'), { code: 'EADDRINUSE' });
    const port = o.port || 40_000 + asked.length;
    return { url: `ws://127.0.0.1:${port}`, port, close: async () => void closed++ };
  };
  return { start, asked, closed: () => closed };
}

async function withLocalOrg(relays: ReturnType<typeof fakeRelays>, port = 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-lo-'));
  dirs.push(dir);
  const profile = new ProfileStore(dir, { argon2: FAST_ARGON2 });
  await profile.create('passphrase', 'correct horse battery staple');
  const root = generateOrgRootKey();
  profile.setLocalRoot(root);
  profile.setOrg({ orgId: 'local-1', name: 'D', orgPublicKey: root.publicKey.serialize(), relayUrl: 'ws://127.0.0.1:0', relayPinSha256: null, classifications: [...DEFAULT_CLASSIFICATIONS], recordsUserId: null, local: true });
  if (port) profile.setLocalRelayPort(port);
  const local = new LocalOrganisation({
    profile, clock: systemClock, log: pino({ level: 'silent' }), enrolment: {} as Enrolment, status: () => { throw new Error('unused'); }, startRelay: relays.start,
  });
  return { profile, local, root };
}

const officerSession = (roles: string[]) => ({ meView: { orgRoles: roles } }) as unknown as Session;

describe('LocalOrganisation', () => {
  it('starts its relay on loopback with the org root pinned, in the profile, and points org.json at it', async () => {
    const relays = fakeRelays();
    const { profile, local, root } = await withLocalOrg(relays);
    const relay = await local.startRelay();
    expect(relays.asked[0]).toMatchObject({ orgId: 'local-1', host: '127.0.0.1', port: 0, dataDir: path.join(profile.dir, 'relay') });
    expect(Buffer.from(relays.asked[0]!.orgPublicKey)).toEqual(Buffer.from(root.publicKey.serialize()));
    expect(profile.org().relayUrl).toBe(relay.url);
    expect(profile.localRelayPort()).toBe(relay.port);
    // Started once: a second call returns the running relay.
    expect(await local.startRelay()).toBe(relay);
    expect(relays.asked).toHaveLength(1);
    await local.stopRelay();
    expect(relays.closed()).toBe(1);
  });

  it('comes back on the port it had, or any free one when that is taken', async () => {
    const same = fakeRelays();
    expect((await (await withLocalOrg(same, 41_234)).local.startRelay()).port).toBe(41_234);
    const taken = fakeRelays([41_234]);
    const { profile, local } = await withLocalOrg(taken, 41_234);
    const relay = await local.startRelay();
    expect(taken.asked.map((o) => o.port)).toEqual([41_234, 0]);
    expect(profile.localRelayPort()).toBe(relay.port);
    expect(profile.org().relayUrl).toBe(relay.url);
  });

  it('opens the security office only to the officer, and only while its relay runs', async () => {
    const { local } = await withLocalOrg(fakeRelays());
    expect(() => local.officer(officerSession(['security-officer']))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    await local.startRelay();
    expect(() => local.officer(officerSession(['lead']))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(local.officer(officerSession(['security-officer', 'lead']))).toBeTruthy();
  });
});
