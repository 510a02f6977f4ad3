/**
 * Wipe with one device offline: receipts 2 of 3 (the offline device pending with its last-seen
 * time), then 3 of 3 once it reconnects; the marker is gone from every profile.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/model/policy.ts';
import { Scenario, until } from './harness.ts';

let sc: Scenario;
afterEach(async () => sc?.stop());

function filesContain(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const f of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (fs.readFileSync(p).includes(Buffer.from(needle))) hits.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return hits;
}

describe('wipe', () => {
  it('reports receipts 2 of 3, then 3 of 3 after the offline device reconnects; every copy is gone', async () => {
    sc = await new Scenario().start();
    const cast = await sc.leadAndTwo();
    const { alice, bob } = cast;
    let carol = cast.carol;
    const MARKER = 'WIPE-MARKER-7f3a';
    const ch = await alice.call('createChannel', { name: 'Endgame', classification: 1, memberUserIds: ['bob', 'carol'], policy: DEFAULT_POLICY });
    await alice.call('send', { channelId: ch.id, text: MARKER });
    await bob.waitText(MARKER);
    await carol.waitText(MARKER);
    await carol.call('send', { channelId: ch.id, text: 'carol signing off' });
    await alice.waitText('carol signing off');
    await carol.engine.close();

    const w = await alice.call('wipe', { channelId: ch.id, confirmName: 'Endgame' });
    expect(w.total).toBe(3);
    await until(async () => (await alice.call('wipeStatus', { channelId: ch.id })).confirmed.length === 2, 10_000, '2 receipts');
    const partial = await alice.call('wipeStatus', { channelId: ch.id });
    expect(partial.pending.map((p) => p.userId)).toEqual(['carol']);
    expect(partial.pending[0]!.lastSeenAt).not.toBeNull();
    expect(bob.events.some((e) => e.type === 'channelRemoved' && e.channelId === ch.id && e.reason === 'wiped')).toBe(true);
    await expect(bob.call('listMessages', { channelId: ch.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    carol = await sc.restart(carol);
    await until(async () => (await alice.call('wipeStatus', { channelId: ch.id })).confirmed.length === 3, 15_000, '3 receipts');
    expect((await alice.call('wipeStatus', { channelId: ch.id })).pending).toEqual([]);
    expect(alice.events.filter((e) => e.type === 'wipeProgress').at(-1)).toMatchObject({ confirmed: 3, total: 3 });

    for (const n of [alice, bob, carol]) {
      expect((await n.call('search', { query: MARKER })).hits).toEqual([]);
      expect((await n.call('listChannels', {})).channels).toEqual([]);
    }
    for (const n of [alice, bob, carol]) await n.engine.close();
    for (const n of [alice, bob, carol]) expect(filesContain(n.dir, MARKER)).toEqual([]);
    // After a restart the wiped channel stays gone.
    const again = await sc.restart(bob);
    expect((await again.call('listChannels', {})).channels).toEqual([]);
  });
});
