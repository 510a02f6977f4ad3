/**
 * The security officer's commands in the headless CLI: `valise channels --all` lists every
 * channel of the organisation, and `pause`/`resume`/`wipe` accept a channel the officer is not a
 * member of; a plain member gets exit code 5 (refused).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { PASSPHRASE, Scenario, until, type Node } from './harness.ts';
import { runValise } from './runValise.ts';

const valise = (args: string[], timeoutMs?: number) => runValise(args, { passphrase: PASSPHRASE, ...(timeoutMs ? { timeoutMs } : {}) });

let sc: Scenario;
afterEach(async () => sc?.stop());

async function statusAt(n: Node, id: string) {
  return (await n.call('listChannels', {})).channels.find((c) => c.id === id)?.status;
}

describe('valise CLI for a security officer', () => {
  it('lists every channel with --all, pauses, resumes and wipes one it is not a member of', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    await sc.user('olga', { roles: ['security-officer'] });
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');
    const olgaEngine = await sc.join('olga');
    await olgaEngine.engine.close();
    const ch = await alice.call('createChannel', { name: 'Venue', classification: 1, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await until(async () => (await statusAt(bob, ch.id)) === 'active', 10_000, 'bob sees the channel');
    const officer = ['--profile', olgaEngine.dir];

    const listed = await valise([...officer, '--json', 'channels', '--all']);
    expect(listed.code).toBe(0);
    const { channels } = JSON.parse(listed.stdout) as { channels: { id: string; name: string; membersCount: number; member: boolean }[] };
    expect(channels).toEqual([expect.objectContaining({ id: ch.id, name: 'Venue', membersCount: 2, member: false })]);
    const human = await valise([...officer, 'channels', '--all']);
    expect(human.stdout).toContain(`${ch.id}  Venue  [RESTRICTED, 2 members, active, not a member]`);

    const paused = await valise([...officer, 'pause', 'Venue', '--reason', 'badge lost']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('Venue: paused');
    await until(async () => (await statusAt(bob, ch.id)) === 'paused', 10_000, 'bob sees the pause');
    expect((await valise([...officer, 'resume', ch.id])).code).toBe(0);
    await until(async () => (await statusAt(bob, ch.id)) === 'active', 10_000, 'bob sees the resume');

    const wiped = await valise([...officer, 'wipe', 'Venue', '--wait', '15']);
    expect(wiped.code).toBe(0);
    expect(wiped.stdout).toContain('Wiped on 2 of 2 devices');
    expect((await alice.call('listChannels', {})).channels).toEqual([]);

    // A plain member cannot list the organisation.
    await bob.engine.close();
    const refused = await valise(['--profile', bob.dir, '--json', 'channels', '--all']);
    expect(refused.code).toBe(5);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });
});
