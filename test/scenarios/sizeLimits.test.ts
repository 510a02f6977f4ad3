/**
 * One size limit for sender and receivers, on real engines with a real relay: a text every
 * recipient would drop (65,536 Chinese characters, 196,608 bytes) is refused before sending with
 * TOO_LARGE and never shows as sent; the largest allowed text arrives intact, in Latin and Chinese
 * script; a lone surrogate is refused (INVALID_TEXT) instead of arriving altered; an over-long
 * channel name or pause reason is refused with TOO_LARGE.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { MAX_NAME_BYTES, MAX_REASON_BYTES, MAX_TEXT_BYTES } from '../../src/shared/model/limits.ts';
import { Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

describe('one size limit, in bytes, for sender and receivers', () => {
  it('refuses what receivers would drop before sending, and delivers the largest allowed text', async () => {
    sc = await new Scenario().start();
    await sc.user('alice', { roles: ['delegate', 'lead'] });
    await sc.user('bob');
    const alice = await sc.join('alice');
    const bob = await sc.join('bob');
    const ch = await alice.call('createChannel', { name: 'Sizes', classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await until(() => bob.events.some((e) => e.type === 'channelChanged' && e.channel.id === ch.id), 20_000, 'bob sees the channel');

    await expect(alice.call('send', { channelId: ch.id, text: '交'.repeat(65_536) })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(alice.call('send', { channelId: ch.id, text: 'deal at \ud83d' })).rejects.toMatchObject({ code: 'INVALID_TEXT' });
    // Nothing of either was stored or queued as "sent".
    expect((await alice.call('listMessages', { channelId: ch.id })).messages).toEqual([]);

    const largest = ['交'.repeat(Math.floor(MAX_TEXT_BYTES / 3)), 'a'.repeat(MAX_TEXT_BYTES), '😀'.repeat(Math.floor(MAX_TEXT_BYTES / 4))];
    for (const text of largest) {
      const sent = await alice.call('send', { channelId: ch.id, text });
      await until(() => bob.texts().includes(text), 20_000, 'the largest text at bob');
      const got = (await bob.call('listMessages', { channelId: ch.id })).messages.find((m) => m.id === sent.message.id);
      expect(got?.text).toBe(text);
    }
    const emoji = 'deal 😀 agreed';
    await alice.call('send', { channelId: ch.id, text: emoji });
    await bob.waitText(emoji, 20_000);

    await expect(
      alice.call('createChannel', { name: '交'.repeat(Math.floor(MAX_NAME_BYTES / 3) + 1), classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY }),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(alice.call('pause', { channelId: ch.id, reason: '交'.repeat(Math.floor(MAX_REASON_BYTES / 3) + 1) })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    // The longest allowed name and reason go through and reach the other member.
    const longName = '交'.repeat(Math.floor(MAX_NAME_BYTES / 3));
    const named = await alice.call('createChannel', { name: longName, classification: 0, memberUserIds: ['bob'], policy: DEFAULT_POLICY });
    await until(() => bob.events.some((e) => e.type === 'channelChanged' && e.channel.id === named.id && e.channel.name === longName), 20_000, 'the long name at bob');
  }, 120_000);
});
