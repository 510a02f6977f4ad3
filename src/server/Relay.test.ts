import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RelayError } from '../relay/errors.ts';
import { DEFAULT_LIMITS, Relay, REFUSAL_AUDIT_EVERY_MS } from './Relay.ts';
import { SqliteRelayStore } from './store/SqliteRelayStore.ts';
import type { RelayTrust } from './trust/RelayTrust.ts';

describe('Relay.refused', () => {
  it('audits a repeated refusal once per interval, with how many more there were', async () => {
    let now = 1_000_000;
    const store = new SqliteRelayStore(':memory:');
    const relay = new Relay(store, {} as RelayTrust, DEFAULT_LIMITS, pino({ level: 'silent' }), () => now);
    const refusal = new RelayError('NOT_A_MEMBER', 'You are not a member of this channel.');
    for (let i = 0; i < 500; i++) await relay.refused('send.refused', 'eve:1', 'ab', refusal);
    await relay.refused('channel.wipe.refused', 'eve:1', 'ab', new RelayError('FORBIDDEN', 'no'));
    await relay.refused('send.refused', 'eve:1', 'ab', new Error('not a refusal'));
    now += REFUSAL_AUDIT_EVERY_MS;
    await relay.refused('send.refused', 'eve:1', 'ab', refusal);
    expect(store.readAudit(0, 100).map((e) => [e.event, e.detail])).toEqual([
      ['send.refused', 'NOT_A_MEMBER'],
      ['channel.wipe.refused', 'FORBIDDEN'],
      ['send.refused', 'NOT_A_MEMBER (499 more since the last entry)'],
    ]);
    await store.close();
  });
});
