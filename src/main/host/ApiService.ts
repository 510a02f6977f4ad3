/**
 * What a transport (browser-mode WebSocket, Electron IPC) needs from the engine: the typed API,
 * served through the shared `dispatchFrame`, and the event stream.
 */
import type { ApiEvent } from '../../shared/api/events.ts';
import { apiFromHandlers, type ApiImplementation, type ApiHandlers } from '../../shared/api/dispatch.ts';

export interface ApiService extends ApiImplementation {
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/** An ApiService from a handler table plus an event source. */
export function serviceFromHandlers(handlers: ApiHandlers, events: { onEvent(listener: (e: ApiEvent) => void): () => void }): ApiService {
  return {
    call: apiFromHandlers(handlers).call,
    onEvent: (l) => events.onEvent(l),
  };
}
