/**
 * What a transport (browser-mode WebSocket, Electron IPC) needs from the engine: one call per
 * request frame and the event stream. The engine validates params with zod at this boundary.
 */
import type { ApiEvent } from '../../shared/api/events.ts';
import { invoke, type ApiHandlers } from '../../shared/api/dispatch.ts';

export interface ApiService {
  handle(method: string, params: unknown): Promise<unknown>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/** An ApiService from a handler table plus an event source (validation by the shared dispatcher). */
export function serviceFromHandlers(handlers: ApiHandlers, events: { onEvent(listener: (e: ApiEvent) => void): () => void }): ApiService {
  return {
    handle: (method, params) => invoke(handlers, method, params),
    onEvent: (l) => events.onEvent(l),
  };
}
