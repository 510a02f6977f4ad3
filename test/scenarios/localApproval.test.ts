/**
 * A local organisation's officer approves a second profile from the app (DESIGN.md §8): the new
 * profile's request shows up with the comparison code, a wrong code approves nothing, the right
 * one enrols the person, and the two then talk. Outside a local organisation the call is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/main/engine/Engine.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import type { ApiMethod, ApiParams, ApiResult } from '../../src/shared/api/methods.ts';
import type { ApiEvent } from '../../src/shared/api/events.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { FAST_ARGON2, PASSPHRASE, Scenario, until } from './harness.ts';

const engines: Engine[] = [];
const dirs: string[] = [];
let sc: Scenario | undefined;
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  await sc?.stop();
  sc = undefined;
});

function profile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-localapp-'));
  dirs.push(dir);
  const engine = new Engine({ startRelay, profileDir: dir, keyProviders: { argon2: FAST_ARGON2 }, deviceName: 'laptop', enrolmentPollMs: 100 });
  engines.push(engine);
  const events: ApiEvent[] = [];
  engine.onEvent((e) => events.push(e));
  const call = <M extends ApiMethod>(m: M, p: ApiParams<M>) => engine.handle(m, p) as Promise<ApiResult<M>>;
  return { engine, events, call };
}

describe('approving a profile into a local organisation from the app', () => {
  it('shows the request with its code, refuses a wrong code, enrols on the right one', async () => {
    const alice = profile();
    const started = await alice.call('startLocalOrganisation', { orgName: 'Local delegation', displayName: 'Alice Martin', keyProvider: 'passphrase', passphrase: PASSPHRASE });
    const bob = profile();
    const { requestId } = await bob.call('joinOrganisation', { orgJson: started.orgJson, displayName: 'Bob Keller', keyProvider: 'passphrase', passphrase: PASSPHRASE });

    const { requests } = await alice.call('listEnrolmentRequests', {});
    expect(requests).toEqual([expect.objectContaining({ requestId, displayName: 'Bob Keller', deviceName: 'laptop', userId: null })]);
    let bobCode: string | null = null;
    await until(async () => (bobCode = (await bob.call('enrolmentStatus', {})).comparisonCode) !== null, 10_000, 'code on bob');

    const wrong = bobCode!.replace(/\d/, (d) => String((Number(d) + 1) % 10));
    await expect(alice.call('approveEnrolment', { requestId, comparisonCode: wrong, clearance: 2 })).rejects.toMatchObject({ code: 'ENROLMENT_CODE_MISMATCH' });
    expect((await bob.call('status', {})).state).toBe('enrolling');

    const approved = await alice.call('approveEnrolment', { requestId, comparisonCode: bobCode!, clearance: 2, roles: ['delegate'] });
    expect(approved).toEqual({ userId: 'bob-keller', deviceId: '1' });
    await until(async () => (await bob.call('status', {})).state === 'unlocked', 10_000, 'bob enrolled');
    expect((await bob.call('status', {})).me).toMatchObject({ userId: 'bob-keller', clearance: 2, orgRoles: ['delegate'] });
    await until(async () => (await bob.call('status', {})).connection === 'online', 10_000, 'bob online');
    expect((await alice.call('listEnrolmentRequests', {})).requests).toEqual([]);

    const ch = await alice.call('createChannel', { name: 'Local talk', classification: 1, memberUserIds: ['bob-keller'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'welcome aboard' });
    await until(() => bob.events.some((e) => e.type === 'messageReceived' && e.message.text === 'welcome aboard'), 10_000, 'bob receives');
  });

  it('is refused in an organisation run by a security office', async () => {
    sc = await new Scenario().start();
    await sc.user('olga', { roles: ['security-officer'] });
    const olga = await sc.join('olga');
    await expect(olga.call('listEnrolmentRequests', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
