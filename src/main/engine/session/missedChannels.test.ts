import { describe, expect, it } from 'vitest';
import { TestOrg, creation } from '../../../../test/crypto/fixtures.ts';
import { decodeChannelState } from '../../../crypto/index.ts';
import { hex } from '../views.ts';
import { missedChannels } from './missedChannels.ts';

function setup() {
  const org = new TestOrg();
  org.member('lead', 3, ['lead']);
  org.member('bob', 3);
  const lead = org.device('lead', 1);
  const withBob = creation(lead, [{ userId: 'lead', role: 'owner' }, { userId: 'bob', role: 'member' }]);
  const withoutBob = creation(lead, [{ userId: 'lead', role: 'owner' }]);
  const listing = (state: Uint8Array) => ({ channelId: decodeChannelState(state).channelId, state });
  return { withBob, withoutBob, listing };
}

describe('missedChannels', () => {
  it('takes listed channels that list my user and that this device lacks, as channel changes', () => {
    const { withBob, withoutBob, listing } = setup();
    const out = missedChannels([listing(withBob), listing(withoutBob)], () => false, 'bob');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'channelChange', payload: withBob });
    expect(out[0]!.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('skips channels already held, listings whose id is not the state\'s own, and undecodable states', () => {
    const { withBob, listing } = setup();
    const known = hex(decodeChannelState(withBob).channelId);
    expect(missedChannels([listing(withBob)], (id) => id === known, 'bob')).toEqual([]);
    expect(missedChannels([{ channelId: new Uint8Array(16).fill(7), state: withBob }], () => false, 'bob')).toEqual([]);
    expect(missedChannels([{ channelId: new Uint8Array(16), state: new Uint8Array([1, 2, 3]) }], () => false, 'bob')).toEqual([]);
  });
});
