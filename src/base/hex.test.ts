import { describe, expect, it } from 'vitest';
import { hex, unhex } from './hex.ts';

describe('hex', () => {
  it('round-trips bytes, lower case', () => {
    const b = new Uint8Array([0, 1, 0xab, 0xff]);
    expect(hex(b)).toBe('0001abff');
    expect(unhex('0001ABff')).toEqual(b);
  });

  it('reads only the view of a larger buffer, not the bytes around it', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 9]);
    expect(hex(whole.subarray(2, 4))).toBe('0102');
  });
});
