import { errorMessage } from './errorMessage.ts';

/** What a store must hold for `attempt` to report into it. */
export interface Failable {
  error: string | null;
  busy?: boolean;
}

/**
 * Runs one piece of API work for a store: on failure the store keeps the error (an API code the
 * view translates, never a stack trace) and the result is null. With `busy`, the store shows the
 * work in progress and the previous error is cleared when it starts.
 */
export async function attempt<T>(set: (patch: Partial<Failable>) => void, work: () => Promise<T>, o: { busy?: boolean } = {}): Promise<T | null> {
  if (o.busy) set({ busy: true, error: null });
  try {
    return await work();
  } catch (e) {
    set({ error: errorMessage(e) });
    return null;
  } finally {
    if (o.busy) set({ busy: false });
  }
}
