/**
 * The engine's connection against a real relay on 127.0.0.1: authenticates, reconnects with
 * back-off after the relay goes away and comes back, and stops for good when revoked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signAuthChallenge } from '../../src/crypto/index.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import { Backoff } from '../../src/main/engine/Backoff.ts';
import { systemClock } from '../../src/main/engine/Clock.ts';
import { Connection } from '../../src/main/engine/Connection.ts';
import type { ConnectionState } from '../../src/shared/api/schemas.ts';
import { TestOrg, type Device } from '../relay/fixtures.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(pred: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function connect(url: string, device: Device) {
  const states: ConnectionState[] = [];
  let revoked = false;
  const conn = new Connection(
    url,
    {
      authenticate: async (c) => {
        const r = await c.authenticate(device.certificate, (ch) => signAuthChallenge(device.identity.privateKey, ch));
        return { backlog: r.backlog };
      },
      connected: () => undefined,
      push: () => undefined,
      state: (s) => states.push(s),
      revoked: () => (revoked = true),
    },
    systemClock,
    new Backoff({ baseMs: 50, maxMs: 200 }),
  );
  conn.start();
  cleanups.push(() => conn.stop());
  return { conn, states, isRevoked: () => revoked };
}

describe('engine connection', () => {
  it('comes back online by itself after the relay restarts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-conn-'));
    cleanups.push(() => fs.promises.rm(dir, { recursive: true, force: true }));
    const org = await new TestOrg().start({ dataDir: dir });
    await org.addUser('alice');
    const alice = await org.enrol('alice');
    const port = org.relay.port;
    const c = connect(org.relay.url, alice);
    await until(() => c.conn.state === 'online');
    await org.stop();
    await until(() => c.conn.state === 'offline');
    const again = await startRelay({ orgId: org.orgId, orgPublicKey: org.root.publicKey.serialize(), dataDir: dir, port });
    cleanups.push(() => again.close());
    await until(() => c.conn.state === 'online');
    expect(c.states.filter((s) => s === 'online')).toHaveLength(2);
    expect(c.conn.relay).not.toBeNull();
  });

  it('stops retrying and reports revocation when the device is revoked', async () => {
    const org = await new TestOrg().start();
    cleanups.push(() => org.stop());
    await org.addUser('bob');
    const bob = await org.enrol('bob');
    const c = connect(org.relay.url, bob);
    await until(() => c.conn.state === 'online');
    await org.revokeDevice(bob);
    await until(() => c.isRevoked());
    expect(c.conn.state).toBe('revoked');
    await new Promise((r) => setTimeout(r, 300));
    expect(c.states.at(-1)).toBe('revoked');
  });
});
