import { describe, expect, it } from 'vitest';
import { channel } from '../../../../test/engine/sessionKit.ts';
import { ApiError } from '../errors.ts';
import { ChannelBook } from './ChannelBook.ts';

const book = (rotatedAt = new Map<string, number>()) => {
  const saved: [string, number][] = [];
  return { book: new ChannelBook({ set: (id, epoch) => void saved.push([id, epoch]) }, rotatedAt), saved };
};

describe('ChannelBook', () => {
  it('keeps taking the previous epoch’s sender key until a change rotates keys, and remembers the rotation', () => {
    const { book: b, saved } = book();
    const s3 = channel('aa', { epoch: 3 });
    expect(b.acceptsPrevious('aa', s3)).toBe(true);
    b.saveRotation('aa', 3);
    expect(b.acceptsPrevious('aa', s3)).toBe(false);
    expect(saved).toEqual([['aa', 3]]);
    // A later change that did not rotate: the previous (rotated) epoch is taken again.
    expect(b.acceptsPrevious('aa', channel('aa', { epoch: 4 }))).toBe(true);
    // Epoch 0 has no previous epoch.
    expect(b.acceptsPrevious('bb', channel('bb'))).toBe(false);
  });

  it('restores rotations from the profile: a restart does not reopen the previous epoch', () => {
    const { book: b } = book(new Map([['aa', 2]]));
    expect(b.acceptsPrevious('aa', channel('aa', { epoch: 2 }))).toBe(false);
  });

  it('lets later items of a batch see a staged state, and forgets it when the batch rolls back', () => {
    const { book: b } = book();
    const s0 = channel('aa');
    const s1 = channel('aa', { epoch: 1 });
    b.set('aa', { state: s0, pausedReason: null });
    b.stage('aa', s1, true);
    expect(b.stateOf('aa')).toBe(s1);
    // A rotation staged inside the batch already applies to the batch's later items.
    expect(b.acceptsPrevious('aa', s1)).toBe(false);
    b.clearStaged();
    expect(b.stateOf('aa')).toBe(s0);
  });

  it('unstages only the state that was committed', () => {
    const { book: b } = book();
    const s1 = channel('aa', { epoch: 1 });
    const s2 = channel('aa', { epoch: 2 });
    b.stage('aa', s2, false);
    b.unstage('aa', s1);
    expect(b.stateOf('aa')).toBe(s2);
    b.unstage('aa', s2);
    expect(b.stateOf('aa')).toBeUndefined();
  });

  it('refuses to act on a wiped or unknown channel, and lists only live ones', () => {
    const { book: b } = book();
    b.set('aa', { state: channel('aa'), pausedReason: null });
    b.set('bb', { state: channel('bb'), pausedReason: null });
    b.markWiped('bb');
    expect(b.liveIds()).toEqual(['aa']);
    expect(b.isWiped('bb')).toBe(true);
    expect(() => b.live('bb')).toThrow(ApiError);
    expect(() => b.live('cc')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(b.get('bb')?.pausedReason).toBeNull();
  });

  it('knows where a channel’s messages live: disk, or memory for off-the-record', () => {
    const { book: b } = book();
    b.set('aa', { state: channel('aa'), pausedReason: null });
    b.set('bb', { state: channel('bb', { policy: { recording: 'off-the-record' } }), pausedReason: null });
    expect(b.onDisk('aa')).toBe(true);
    expect(b.onDisk('bb')).toBe(false);
    expect(b.onDisk('cc')).toBeUndefined();
  });
});
