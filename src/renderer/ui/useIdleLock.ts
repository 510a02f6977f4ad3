/**
 * Idle auto-lock inside the page, so browser mode locks too (the Electron shell also watches the
 * system's idle time): no key, pointer or wheel input for the configured minutes → lock.
 */
import { useEffect } from 'react';

const ACTIVITY = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'focus'] as const;

export function useIdleLock(minutes: number, lock: () => void, now: () => number = Date.now): void {
  useEffect(() => {
    if (minutes <= 0) return;
    let last = now();
    const touch = () => (last = now());
    for (const ev of ACTIVITY) window.addEventListener(ev, touch, { passive: true, capture: true });
    const timer = setInterval(() => {
      if (now() - last >= minutes * 60_000) lock();
    }, 5_000);
    return () => {
      clearInterval(timer);
      for (const ev of ACTIVITY) window.removeEventListener(ev, touch, { capture: true });
    };
  }, [minutes, lock, now]);
}
