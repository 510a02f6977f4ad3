/**
 * The relay is the adversary: it claims this device was revoked — by answering AUTH_REVOKED to the
 * device's authentication, or by pushing a `closing` AUTH_REVOKED — without any revocation signed
 * by the organisation. The device must keep its profile (key and database), stop connecting, and
 * say why. A revocation the organisation really signed still erases the profile.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { issueRevocation } from '../../src/crypto/index.ts';
import { deviceCode, orgJson, PASSPHRASE, Scenario, until, type Node } from '../scenarios/harness.ts';
import { HostileRelay } from './HostileRelay.ts';

let sc: Scenario | undefined;
let relay: HostileRelay | undefined;
afterEach(async () => {
  await relay?.close();
  await sc?.stop();
  relay = sc = undefined;
});

const PROFILE_FILES = ['key.json', 'valise.db'];

/** A real organisation and relay; bob's device enrols and connects through the hostile relay. */
async function bobBehindHostileRelay(): Promise<{ bob: Node; relay: HostileRelay; sc: Scenario }> {
  sc = await new Scenario().start();
  await sc.user('bob');
  relay = await HostileRelay.start(sc.org.relay.url);
  const bob = sc.engine(sc.profileDir(), 'bob');
  const org = JSON.parse(orgJson(sc.org)) as Record<string, unknown>;
  const { requestId } = await bob.call('joinOrganisation', { orgJson: JSON.stringify({ ...org, relayUrl: relay.url }), displayName: 'bob', keyProvider: 'passphrase', passphrase: PASSPHRASE });
  await sc.approve(requestId, () => deviceCode(bob));
  await until(async () => (await bob.call('status', {})).state === 'unlocked', 10_000, 'bob enrolled');
  await bob.online();
  return { bob, relay, sc };
}

function connectionStates(node: Node): string[] {
  return node.events.flatMap((e) => (e.type === 'connection' ? [e.state] : []));
}

/** The engine gave up on the relay's word: either it wiped (the attack worked) or it stopped. */
async function relayClaimSettled(node: Node): Promise<void> {
  await until(() => connectionStates(node).some((s) => s === 'revoked' || s === 'revocation-unproven'), 10_000, 'the engine to act on the claim');
  // Whatever the engine does next (erasing files) happens right behind the state change.
  await new Promise((r) => setTimeout(r, 300));
}

/** Counts the connections the engine opens (each starts with a hello). */
function connectionCount(hostile: HostileRelay): () => number {
  let hellos = 0;
  hostile.onClient((f) => {
    if (f.body.case === 'hello') hellos++;
    return 'pass';
  });
  return () => hellos;
}

function cutAll(hostile: HostileRelay): void {
  for (const c of [...hostile.connections]) c.close();
}

async function expectProfileKeptAndConnectingStopped(bob: Node, connections: () => number): Promise<void> {
  for (const f of PROFILE_FILES) expect(fs.existsSync(path.join(bob.dir, f)), `${f} still on disk`).toBe(true);
  expect(bob.events.some((e) => e.type === 'locked' && e.reason === 'revoked')).toBe(false);
  const status = await bob.call('status', {});
  expect(status.state).toBe('unlocked');
  expect(status.connection).toBe('revocation-unproven');
  // It stopped connecting: no new connection to the relay while a back-off would have retried.
  const before = connections();
  await new Promise((r) => setTimeout(r, 1500));
  expect(connections()).toBe(before);
  // The messages it holds are still readable.
  expect((await bob.call('listChannels', {})).channels).toBeDefined();
}

describe('a relay that forges a revocation', () => {
  it('answers AUTH_REVOKED to the device authentication: nothing is erased, the device stops and says why', async () => {
    const { bob, relay: hostile } = await bobBehindHostileRelay();
    const connections = connectionCount(hostile);
    hostile.onClient((f, c) => {
      if (f.body.case !== 'request' || f.body.value.op.case !== 'authenticate') return 'pass';
      c.answer(f.body.value.id, { case: 'error', value: { code: 'AUTH_REVOKED', message: 'This device was revoked.' } });
      setTimeout(() => c.close(), 20);
      return 'drop';
    });
    cutAll(hostile);
    await relayClaimSettled(bob);
    await expectProfileKeptAndConnectingStopped(bob, connections);
  });

  it('pushes "closing: AUTH_REVOKED" to a connected device: nothing is erased, the device stops and says why', async () => {
    const { bob, relay: hostile } = await bobBehindHostileRelay();
    const connections = connectionCount(hostile);
    for (const c of hostile.of('bob')) {
      c.toClient({ body: { case: 'push', value: { body: { case: 'closing', value: { code: 'AUTH_REVOKED', message: 'This device was revoked by the security officer.' } } } } });
      setTimeout(() => c.close(), 20);
    }
    await relayClaimSettled(bob);
    await expectProfileKeptAndConnectingStopped(bob, connections);
  });

  it('attaches a genuine revocation of another device: nothing is erased', async () => {
    const { bob, relay: hostile, sc: s } = await bobBehindHostileRelay();
    // A real, org-signed revocation — of someone else's device — is still not a revocation of bob.
    const other = issueRevocation(s.org.root.privateKey, { orgId: s.org.orgId, target: 'device', revokedSerial: 999, revokedAtMs: Date.now(), reason: 'lost' });
    const connections = connectionCount(hostile);
    for (const c of hostile.of('bob')) {
      c.toClient({ body: { case: 'push', value: { body: { case: 'closing', value: { code: 'AUTH_REVOKED', message: 'revoked', revocation: other } } } } });
      setTimeout(() => c.close(), 20);
    }
    await relayClaimSettled(bob);
    await expectProfileKeptAndConnectingStopped(bob, connections);
  });

  it('still erases the profile when the organisation really revoked the device (relay passes it on)', async () => {
    const { bob, sc: s } = await bobBehindHostileRelay();
    await s.revoke('bob');
    await until(() => bob.events.some((e) => e.type === 'locked' && e.reason === 'revoked'), 10_000, 'revocation');
    for (const f of [...PROFILE_FILES, 'profile.json']) expect(fs.existsSync(path.join(bob.dir, f)), `${f} erased`).toBe(false);
    expect((await bob.call('status', {})).state).toBe('no-profile');
  });

  it('still erases the profile of a device revoked while it was offline, when it next connects', async () => {
    const { bob, relay: hostile, sc: s } = await bobBehindHostileRelay();
    // Offline: the relay drops every connection before authentication.
    const offline = hostile.onClient((f, c) => (f.body.case === 'request' ? (c.close(), 'drop') : 'pass'));
    cutAll(hostile);
    await until(() => connectionStates(bob).at(-1) === 'offline', 10_000, 'bob offline');
    await s.revoke('bob');
    offline();
    await until(() => bob.events.some((e) => e.type === 'locked' && e.reason === 'revoked'), 20_000, 'revocation on reconnect');
    for (const f of PROFILE_FILES) expect(fs.existsSync(path.join(bob.dir, f)), `${f} erased`).toBe(false);
  });
});
