import { afterEach, describe, expect, it } from 'vitest';
import type { WipeCommand } from '../../../crypto/index.ts';
import { sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import { Wipes } from './Wipes.ts';

let kit: Kit;
afterEach(() => kit.close());

const expected = [
  { userId: 'alice', deviceId: '1', displayName: 'Alice' },
  { userId: 'bob', deviceId: '2', displayName: 'Bob' },
];
const command = { hash: new Uint8Array([0xab]) } as WipeCommand;

describe('Wipes', () => {
  it('counts each expected device once, keeps the count across a restart and reports progress', async () => {
    kit = await sessionKit();
    const repo = kit.c.store.repos.wipes;
    const seen = (u: string) => (u === 'bob' ? 77 : null);
    const wipes = new Wipes(kit.c, repo, seen);
    wipes.issue('aa', command, new Uint8Array(0), 10, expected);
    wipes.count('aa', { userId: 'alice', deviceId: 1 }, 11);
    wipes.count('aa', { userId: 'alice', deviceId: 1 }, 12);
    // Not a member device: not counted.
    wipes.count('aa', { userId: 'mallory', deviceId: 1 }, 13);
    expect(kit.events).toEqual([{ type: 'wipeProgress', channelId: 'aa', confirmed: 1, total: 2 }]);
    expect(repo.list()[0]!.confirmed).toEqual([{ userId: 'alice', deviceId: '1', at: 11 }]);
    const status = wipes.status('aa');
    expect(status.confirmed.map((d) => [d.userId, d.at])).toEqual([['alice', 11]]);
    expect(status.pending.map((d) => [d.userId, d.lastSeenAt])).toEqual([['bob', 77]]);

    // After a restart the status is the same (the command itself was not kept: receipts are no longer matched).
    const again = new Wipes(kit.c, repo, seen);
    expect(again.status('aa')).toEqual(status);
  });

  it('answers NOT_FOUND for a channel this device did not wipe, and matches no receipt without a command', async () => {
    kit = await sessionKit();
    const wipes = new Wipes(kit.c, kit.c.store.repos.wipes, () => null);
    expect(() => wipes.status('zz')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(wipes.match(new Uint8Array([1, 2, 3]), {} as never)).toBeNull();
  });
});
