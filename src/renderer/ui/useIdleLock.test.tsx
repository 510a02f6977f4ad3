import { renderHook } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { useIdleLock } from './useIdleLock.ts';

afterEach(() => vi.useRealTimers());

it('locks after the configured idle minutes, and activity postpones it', () => {
  vi.useFakeTimers();
  const lock = vi.fn();
  renderHook(() => useIdleLock(2, lock));
  vi.advanceTimersByTime(90_000);
  window.dispatchEvent(new KeyboardEvent('keydown'));
  vi.advanceTimersByTime(90_000);
  expect(lock).not.toHaveBeenCalled();
  vi.advanceTimersByTime(40_000);
  expect(lock).toHaveBeenCalled();
});

it('never locks when auto-lock is off', () => {
  vi.useFakeTimers();
  const lock = vi.fn();
  renderHook(() => useIdleLock(0, lock));
  vi.advanceTimersByTime(24 * 3_600_000);
  expect(lock).not.toHaveBeenCalled();
});
