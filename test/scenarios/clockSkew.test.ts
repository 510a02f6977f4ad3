/**
 * Clocks that are wrong, on real engines, relay and crypto. Each engine runs on its own clock,
 * shifted ten minutes from the relay's: a message's lifetime runs from each device's receipt, a
 * sent time is shown within the allowed skew of receipt, certificates issued minutes ago are valid
 * on a slow device, and a device far off the relay's time says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, MAX_CLOCK_SKEW_MS, systemClock } from '../../src/main/engine/Clock.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { PASSPHRASE, Scenario, until } from './harness.ts';
import { runValise } from './runValise.ts';

const MIN = 60_000;
let sc: Scenario;
afterEach(async () => sc?.stop());

/** The system clock shifted by `offsetMs`; timers fire when the shifted clock reaches them. */
function shifted(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs, setTimer: (at, fn) => systemClock.setTimer(at - offsetMs, fn) };
}

async function pair(aliceOffset: number, bobOffset: number) {
  sc = await new Scenario().start();
  // Certificates as the admin tool issues them: valid from one minute before approval.
  sc.certificateNotBeforeMs = () => Date.now() - MIN;
  await sc.user('alice', { roles: ['delegate', 'lead'] });
  await sc.user('bob');
  const alice = await sc.join('alice', { clock: shifted(aliceOffset), sweepEveryMs: 200 });
  const bob = await sc.join('bob', { clock: shifted(bobOffset), sweepEveryMs: 200 });
  return { alice, bob };
}

const LIFETIME = 3000;

describe('clock skew', () => {
  it('a sender ten minutes fast: the message lives its lifetime on the receiver, sent time clamped', async () => {
    const { alice, bob } = await pair(10 * MIN, 0);
    const ch = await alice.call('createChannel', { name: 'Short', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, messageLifetimeMs: LIFETIME } });
    await alice.call('send', { channelId: ch.id, text: 'from the future' });
    await bob.waitText('from the future');
    const shown = (await bob.call('listMessages', { channelId: ch.id })).messages[0]!;
    expect(shown.sentAt).toBeLessThanOrEqual(shown.receivedAt + MAX_CLOCK_SKEW_MS);
    expect(shown.expiresAt).not.toBeNull();
    expect(shown.expiresAt! - shown.receivedAt).toBeLessThanOrEqual(LIFETIME);
    const arrived = Date.now();
    await until(async () => (await bob.call('listMessages', { channelId: ch.id })).messages.length === 0, LIFETIME + 3000, 'deletion at bob');
    expect(Date.now() - arrived).toBeLessThan(LIFETIME + 1500);
  });

  it('a receiver ten minutes fast: messages are shown and live their lifetime, not deleted on arrival', async () => {
    const { alice, bob } = await pair(0, 10 * MIN);
    const ch = await alice.call('createChannel', { name: 'Short', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, messageLifetimeMs: LIFETIME } });
    await alice.call('send', { channelId: ch.id, text: 'still here' });
    await bob.waitText('still here');
    const arrived = Date.now();
    expect((await bob.call('listMessages', { channelId: ch.id })).messages.map((m) => m.text)).toEqual(['still here']);
    expect(bob.events.some((e) => e.type === 'messageDeleted')).toBe(false);
    await until(async () => (await bob.call('listMessages', { channelId: ch.id })).messages.length === 0, LIFETIME + 3000, 'deletion at bob');
    expect(Date.now() - arrived).toBeGreaterThan(LIFETIME - 1000);
  });

  it('a sender ten minutes slow: certificates issued a minute ago are valid, messages delivered both ways', async () => {
    const { alice, bob } = await pair(-10 * MIN, 0);
    const ch = await alice.call('createChannel', { name: 'Slow', classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: 'from the past' });
    await bob.waitText('from the past');
    await bob.call('send', { channelId: ch.id, text: 'answer' });
    await alice.waitText('answer');
    const mine = (await alice.call('listMessages', { channelId: ch.id })).messages.find((m) => m.text === 'from the past')!;
    expect(mine.delivery).not.toBe('failed');
  });

  it('a device whose clock is off from the relay by more than the allowed skew tells its user', async () => {
    const { alice, bob } = await pair(10 * MIN, 0);
    const a = await alice.call('status', {});
    expect(a.clock).toMatchObject({ skewed: true });
    expect(Math.abs(a.clock!.offsetMs - 10 * MIN)).toBeLessThan(5000);
    expect(alice.events.some((e) => e.type === 'clock' && e.skewed)).toBe(true);
    expect((await bob.call('status', {})).clock).toMatchObject({ skewed: false });
  });

  it('valise status under a clock ten minutes fast warns, and stays quiet on a right clock', async () => {
    const { alice } = await pair(0, 0);
    await alice.engine.close();
    const fast = await runValise(['--profile', alice.dir, 'status'], { passphrase: PASSPHRASE, faketime: '+10m', timeoutMs: 30_000 });
    expect(fast.code).toBe(0);
    expect(fast.stderr).toMatch(/clock is 10 minutes ahead of the relay's/);
    const right = await runValise(['--profile', alice.dir, 'status'], { passphrase: PASSPHRASE, timeoutMs: 30_000 });
    expect(right.code).toBe(0);
    expect(right.stderr).not.toMatch(/clock/);
  });
});
