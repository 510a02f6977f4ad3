import { describe, expect, it } from 'vitest';
import { startWorkerOrFallBack } from './startWorker.ts';

describe('startWorkerOrFallBack', () => {
  it('reports a worker whose module is missing as lost, so the caller falls back', async () => {
    const lost = new Promise<void>((resolve) => {
      startWorkerOrFallBack(import.meta.url, 'noSuchWorkerModule', { onMessage: () => undefined, onLost: resolve });
    });
    await expect(Promise.race([lost.then(() => 'lost'), new Promise((r) => setTimeout(() => r('still waiting'), 10_000).unref())])).resolves.toBe('lost');
  }, 15_000);
});
