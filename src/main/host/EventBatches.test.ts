import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../shared/api/events.ts';
import { MAX_EVENTS_PER_FRAME } from '../../shared/api/frames.ts';
import { EventBatches } from './EventBatches.ts';

const progress = (done: number): ApiEvent => ({ type: 'syncProgress', done, total: 10_000 });
const tick = () => new Promise((r) => setImmediate(r));

describe('EventBatches', () => {
  it('sends what one turn of the event loop emitted as one batch, in order', async () => {
    const frames: ApiEvent[][] = [];
    const b = new EventBatches((events) => frames.push(events));
    b.add(progress(1));
    b.add(progress(2));
    expect(frames).toEqual([]);
    await tick();
    b.add(progress(3));
    await tick();
    expect(frames).toEqual([[progress(1), progress(2)], [progress(3)]]);
  });

  it('never lets a batch grow past the frame limit', async () => {
    const frames: ApiEvent[][] = [];
    const b = new EventBatches((events) => frames.push(events));
    for (let i = 0; i < MAX_EVENTS_PER_FRAME + 5; i++) b.add(progress(i));
    await tick();
    expect(frames.map((f) => f.length)).toEqual([MAX_EVENTS_PER_FRAME, 5]);
    expect(frames.flat().map((e) => (e.type === 'syncProgress' ? e.done : -1))).toEqual(Array.from({ length: MAX_EVENTS_PER_FRAME + 5 }, (_, i) => i));
  });
});
