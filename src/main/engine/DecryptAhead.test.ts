import { describe, expect, it } from 'vitest';
import type { GroupDecryptJob, GroupDecryptOpened } from '../../crypto/index.ts';
import { DecryptAhead, type AheadPlan } from './DecryptAhead.ts';
import type { Delivery } from './ReceivePipeline.ts';

const alice = { userId: 'alice', deviceId: 1 };

/** A worker that records what it was handed and answers each job with its id as plaintext. */
class FakeWorker {
  alive = true;
  handed: GroupDecryptJob[] = [];
  resets = 0;
  decrypt(jobs: readonly GroupDecryptJob[]): Promise<GroupDecryptOpened | null>[] {
    this.handed.push(...jobs);
    return jobs.map((j) => Promise.resolve({ distributionId: 'd0', plaintext: new TextEncoder().encode(j.id), record: new Uint8Array([1]) }));
  }
  reset(): void {
    this.resets++;
  }
}

const msg = (id: string): Delivery => ({ id, kind: 'envelope', payload: new Uint8Array([1]) });
const change = (id: string): Delivery => ({ id, kind: 'channelChange', payload: new Uint8Array([2]) });
const tick = () => new Promise((r) => setImmediate(r));

function setup(worker: FakeWorker | null = new FakeWorker()) {
  const loaded: string[] = [];
  const ahead = new DecryptAhead({
    worker: () => worker,
    prepare: (d): AheadPlan => (d.kind === 'channelChange' ? 'barrier' : { job: { sender: alice, ciphertext: d.payload }, distributions: ['d0', 'd1'] }),
    record: (_s, dist) => {
      loaded.push(dist);
      return new Uint8Array([9]);
    },
  });
  return { ahead, worker, loaded };
}

describe('DecryptAhead', () => {
  it('hands arriving channel messages over in order, with each record only the first time', async () => {
    const { ahead, worker, loaded } = setup();
    for (const id of ['a', 'b', 'c']) ahead.push(msg(id));
    await tick();
    expect(worker!.handed.map((j) => j.id)).toEqual(['a', 'b', 'c']);
    expect(worker!.handed[0]!.records?.map((r) => r.distributionId)).toEqual(['d0', 'd1']);
    expect(worker!.handed[1]!.records).toBeUndefined();
    expect(loaded).toEqual(['d0', 'd1']);
    expect(new TextDecoder().decode((await ahead.take('b'))!.plaintext)).toBe('b');
    expect(ahead.take('b')).toBeUndefined();
  });

  it('plans what has not been planned yet when the pipeline asks for it', async () => {
    const { ahead, worker } = setup();
    ahead.push(msg('a'));
    ahead.push(msg('b'));
    const b = ahead.take('b');
    expect(b).toBeDefined();
    expect(worker!.handed.map((j) => j.id)).toEqual(['a', 'b']);
  });

  it('hands nothing over after a barrier until the barrier is committed', async () => {
    const { ahead, worker } = setup();
    ahead.push(msg('a'));
    ahead.push(change('x'));
    ahead.push(msg('b'));
    await tick();
    expect(worker!.handed.map((j) => j.id)).toEqual(['a']);
    // Committed with the barrier still queued: nothing changes.
    ahead.committed([change('x'), msg('b')]);
    expect(worker!.resets).toBe(0);
    // The barrier was opened by the engine and committed: start over with what is queued.
    ahead.openedHere();
    ahead.committed([msg('b'), msg('c')]);
    await tick();
    expect(worker!.resets).toBe(1);
    expect(worker!.handed.map((j) => j.id)).toEqual(['a', 'b', 'c']);
    // A new generation: records are handed again.
    expect(worker!.handed[1]!.records?.length).toBe(2);
  });

  it('after the engine opened an item itself, answers no more until the commit, then starts over', async () => {
    const { ahead, worker } = setup();
    for (const id of ['a', 'b', 'c']) ahead.push(msg(id));
    await tick();
    ahead.openedHere();
    expect(ahead.take('b')).toBeUndefined();
    ahead.push(msg('d'));
    await tick();
    expect(worker!.handed.map((j) => j.id)).toEqual(['a', 'b', 'c']);
    ahead.committed([msg('c'), msg('d')]);
    await tick();
    expect(worker!.resets).toBe(1);
    expect(worker!.handed.map((j) => j.id)).toEqual(['a', 'b', 'c', 'c', 'd']);
    expect(ahead.take('c')).toBeDefined();
  });

  it('a rollback forgets everything; invalidate also waits for the next commit', async () => {
    const { ahead, worker } = setup();
    ahead.push(msg('a'));
    await tick();
    ahead.rolledBack();
    expect(worker!.resets).toBe(1);
    expect(ahead.take('a')).toBeUndefined();
    ahead.push(msg('a'));
    await tick();
    expect(ahead.take('a')).toBeDefined();
    ahead.invalidate();
    expect(worker!.resets).toBe(2);
    ahead.push(msg('b'));
    await tick();
    expect(ahead.take('b')).toBeUndefined();
    ahead.committed([msg('c')]);
    await tick();
    expect(ahead.take('c')).toBeDefined();
  });

  it('without a worker (or a dead one) hands nothing over and never goes stale', async () => {
    const { ahead } = setup(null);
    ahead.push(msg('a'));
    await tick();
    ahead.openedHere();
    expect(ahead.take('a')).toBeUndefined();
    const dead = new FakeWorker();
    dead.alive = false;
    const s = setup(dead);
    s.ahead.push(msg('a'));
    await tick();
    expect(dead.handed).toEqual([]);
  });
});
