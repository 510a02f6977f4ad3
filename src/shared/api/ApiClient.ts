/**
 * The caller side of the contract, independent of the transport: give it a way to send a request
 * frame and feed it every frame that comes back. The preload (IPC), the browser-mode WebSocket and
 * the CLI all use it, so they type-check against the same method table.
 */
import { ApiError, isApiErrorCode } from './errors.ts';
import type { ApiEvent } from './events.ts';
import { isEventFrame, parseServerFrame, type RequestFrame } from './frames.ts';
import type { ApiMethod, ApiParams, ApiResult } from './methods.ts';

/** Params may be left out when every field is optional. */
export type CallParams<M extends ApiMethod> = Record<string, never> extends ApiParams<M> ? [params?: ApiParams<M>] : [params: ApiParams<M>];

/** What a UI holds: call a method, listen to events. */
export interface Api {
  call<M extends ApiMethod>(method: M, ...params: CallParams<M>): Promise<ApiResult<M>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/** An error returned by the other side whose code this version does not know. */
export class RemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export class ApiClient implements Api {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: ApiEvent) => void>();

  constructor(private readonly sendFrame: (frame: RequestFrame) => void) {}

  call<M extends ApiMethod>(method: M, ...params: CallParams<M>): Promise<ApiResult<M>> {
    const id = this.nextId++;
    return new Promise<ApiResult<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.sendFrame({ id, method, params: params[0] ?? {} });
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Feed every frame received from the engine (already JSON-parsed). Unknown frames are ignored. */
  receive(raw: unknown): void {
    const frame = parseServerFrame(raw);
    if (!frame) return;
    if (isEventFrame(frame)) {
      for (const event of frame.events) for (const l of this.listeners) l(event);
      return;
    }
    const p = this.pending.get(frame.id);
    if (!p) return;
    this.pending.delete(frame.id);
    if ('error' in frame) {
      const { code, message } = frame.error;
      p.reject(isApiErrorCode(code) ? new ApiError(code, { message }) : new RemoteError(code, message));
    } else {
      p.resolve(frame.result);
    }
  }

  /** The transport closed: every call still waiting fails with OFFLINE. */
  close(): void {
    for (const p of this.pending.values()) p.reject(new ApiError('OFFLINE'));
    this.pending.clear();
  }
}
