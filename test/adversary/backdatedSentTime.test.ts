/**
 * A member backdates a statement: its device runs ten minutes slow (or states any earlier time it
 * likes), so the message it sends now would sort and show as said ten minutes ago. The relay
 * stamps every delivery with its own receipt time, and the receiver shows no sent time earlier
 * than that stamp minus the allowed skew; the lifetime still runs from the receiver's own receipt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, MAX_CLOCK_SKEW_MS, systemClock } from '../../src/main/engine/Clock.ts';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario } from '../scenarios/harness.ts';

const MIN = 60_000;
let sc: Scenario;
afterEach(async () => sc?.stop());

/** The system clock shifted by `offsetMs`. */
function shifted(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs, setTimer: (at, fn) => systemClock.setTimer(at - offsetMs, fn) };
}

describe('backdated sent times', () => {
  it('a sender ten minutes slow cannot show its message as sent before the relay received it', async () => {
    sc = await new Scenario().start();
    // Certificates valid from a quarter of an hour back, so the slow device can take part at all.
    sc.certificateNotBeforeMs = () => Date.now() - 15 * MIN;
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice', { clock: shifted(-10 * MIN) });
    const bob = await sc.join('bob');
    const ch = await alice.call('createChannel', { name: 'Minutes', classification: 0, memberUserIds: ['bob'], policy: { ...DEFAULT_POLICY, messageLifetimeMs: 60 * MIN } });

    const before = Date.now();
    await alice.call('send', { channelId: ch.id, text: 'We never agreed to 4%.' });
    await bob.waitText('We never agreed to 4%.');
    const after = Date.now();

    const shown = (await bob.call('listMessages', { channelId: ch.id })).messages.find((m) => m.text === 'We never agreed to 4%.')!;
    // The relay received it between `before` and `after` (the relay runs on this machine's clock).
    expect(shown.sentAt).toBeGreaterThanOrEqual(before - MAX_CLOCK_SKEW_MS);
    expect(shown.sentAt).toBeLessThanOrEqual(after + MAX_CLOCK_SKEW_MS);
    // The lifetime still runs from bob's own receipt, not from any sent time.
    expect(shown.expiresAt! - shown.receivedAt).toBe(60 * MIN);
  });
});
