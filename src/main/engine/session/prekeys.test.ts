import { describe, expect, it } from 'vitest';
import type { DeviceKeys } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import { fakeRelay } from '../../../../test/engine/sessionKit.ts';
import { refreshPrekeys, uploadPrekeys } from './prekeys.ts';

const SIGNED = new Uint8Array([1]);
const ONE = [new Uint8Array([2]), new Uint8Array([3])];
const empty = { signedPrekey: undefined, kyberLastResort: undefined, oneTime: [], oneTimeKyber: [] };

function rig(o: { ready?: boolean; count?: number; uploadFails?: boolean } = {}) {
  const flags = new Map<string, unknown>(o.ready ? [['engine.prekeysReady', true]] : []);
  const settings = { get: (k: string) => flags.get(k), set: (k: string, v: unknown) => void flags.set(k, v) } as never;
  const calls: string[] = [];
  const keys = {
    initialise: (now: number) => (calls.push(`initialise ${now}`), Promise.resolve({ ...empty, signedPrekey: SIGNED, oneTime: ONE })),
    topUp: (count: unknown, now: number) => (calls.push(`topUp ${JSON.stringify(count)} ${now}`), Promise.resolve(o.count === 100 ? empty : { ...empty, oneTime: ONE })),
  } as unknown as DeviceKeys;
  const relay = fakeRelay(o.uploadFails ? { prekeyCount: { oneTime: o.count ?? 0 } } : { prekeyCount: { oneTime: o.count ?? 0 }, uploadPrekeys: {} });
  return { flags, settings, calls, keys, relay };
}

describe('prekeys', () => {
  it('on the first connection generates the keys, uploads them and remembers it', async () => {
    const { flags, settings, calls, keys, relay } = rig();
    await refreshPrekeys(relay, keys, settings, 42);
    expect(calls).toEqual(['initialise 42']);
    expect(relay.requests).toEqual([{ case: 'uploadPrekeys', value: { signedPrekey: SIGNED, oneTime: ONE, oneTimeKyber: [] } }]);
    expect(flags.get('engine.prekeysReady')).toBe(true);
  });

  it('later connections ask the relay how many are left and top up', async () => {
    const { calls, keys, relay, settings } = rig({ ready: true, count: 3 });
    await refreshPrekeys(relay, keys, settings, 42);
    expect(calls).toEqual(['topUp {"oneTime":3} 42']);
    expect(relay.requests.map((r) => r.case)).toEqual(['prekeyCount', 'uploadPrekeys']);
  });

  it('uploads nothing when nothing is missing', async () => {
    const { keys, relay, settings } = rig({ ready: true, count: 100 });
    await refreshPrekeys(relay, keys, settings, 42);
    expect(relay.requests.map((r) => r.case)).toEqual(['prekeyCount']);
    await uploadPrekeys(relay as RelayClient, empty);
    expect(relay.requests.map((r) => r.case)).toEqual(['prekeyCount']);
  });

  it('a failed first upload is not remembered as done: the next connection generates again', async () => {
    const { flags, keys, relay, settings } = rig({ uploadFails: true });
    await expect(refreshPrekeys(relay, keys, settings, 42)).rejects.toThrow();
    expect(flags.get('engine.prekeysReady')).toBeUndefined();
  });
});
