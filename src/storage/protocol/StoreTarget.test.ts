import { describe, expect, it } from 'vitest';
import { BufferedTarget } from './StoreTarget.ts';

describe('BufferedTarget', () => {
  it('writes a key written several times in one unit once, with its last value, where it was last written', () => {
    const t = new BufferedTarget();
    const log: string[] = [];
    t.write('sender:a', 1, () => log.push('sender:a=1'));
    t.defer(() => log.push('message 1'));
    t.write('sender:a', 2, () => log.push('sender:a=2'));
    t.write('session:b', 'x', () => log.push('session:b=x'));
    t.defer(() => log.push('message 2'));
    t.write('sender:a', 3, () => log.push('sender:a=3'));
    expect(t.read('sender:a', () => 0)).toBe(3);
    expect(t.read('other', () => 'loaded')).toBe('loaded');
    t.flush();
    expect(log).toEqual(['message 1', 'session:b=x', 'message 2', 'sender:a=3']);
  });

  it('keeps a delete that follows a write of the same key, and a write that follows a delete', () => {
    const t = new BufferedTarget();
    const log: string[] = [];
    t.write('prekey:1', 'k', () => log.push('put 1'));
    t.write('prekey:1', null, () => log.push('delete 1'));
    t.write('prekey:2', null, () => log.push('delete 2'));
    t.write('prekey:2', 'k', () => log.push('put 2'));
    t.flush();
    expect(log).toEqual(['delete 1', 'put 2']);
  });
});
