import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/errors.ts';
import { attempt, type Failable } from './attempt.ts';

function store(): { state: Failable; set: (p: Partial<Failable>) => void; seen: Partial<Failable>[] } {
  const s = { state: { error: 'old', busy: false } as Failable, seen: [] as Partial<Failable>[], set: (_p: Partial<Failable>) => undefined as void };
  s.set = (p) => {
    s.seen.push(p);
    s.state = { ...s.state, ...p };
  };
  return s;
}

describe('attempt', () => {
  it('returns the result, and null with the API code kept when the work fails', async () => {
    const s = store();
    expect(await attempt(s.set, async () => 7)).toBe(7);
    expect(await attempt(s.set, async () => undefined)).toBeUndefined();
    expect(await attempt(s.set, () => Promise.reject(new ApiError('CHANNEL_PAUSED')))).toBeNull();
    expect(s.state.error).toBe('CHANNEL_PAUSED');
  });

  it('never keeps a stack trace or an internal message', async () => {
    const s = store();
    await attempt(s.set, () => Promise.reject(new Error('ENOENT /home/alice/secret.db')));
    expect(s.state.error).toBe('INTERNAL');
  });

  it('shows work in progress and clears the previous error when asked', async () => {
    const s = store();
    await attempt(s.set, async () => 1, { busy: true });
    expect(s.seen).toEqual([{ busy: true, error: null }, { busy: false }]);
    expect(s.state).toEqual({ error: null, busy: false });
  });
});
