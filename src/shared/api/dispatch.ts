/**
 * The engine side of the contract, independent of the transport: takes one raw request frame,
 * validates it and its params against the method table, calls the typed API, validates what it
 * returns, and produces the response frame. Nothing thrown escapes as anything but a typed error
 * body with a user-facing message. Every host (Electron IPC, the browser-mode socket, the CLI) goes
 * through here.
 */
import { ApiError, isApiErrorCode, type ApiErrorCode } from './errors.ts';
import { isValiseError, toValiseError } from '../errors.ts';
import { RequestFrameSchema, type ResponseFrame } from './frames.ts';
import { API_METHODS, isApiMethod, type ApiInput, type ApiMethod, type ApiResult } from './methods.ts';

/** The typed API: one call per method, its input already validated. The engine implements it. */
export interface ApiImplementation {
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiResult<M>>;
}

/** One async function per method: a convenient way to write an `ApiImplementation`. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiResult<M>> };

/** An `ApiImplementation` that calls one handler per method. */
export function apiFromHandlers(handlers: ApiHandlers): ApiImplementation {
  return {
    call: <M extends ApiMethod>(method: M, input: ApiInput<M>) => (handlers[method] as (i: ApiInput<M>) => Promise<ApiResult<M>>)(input),
  };
}

/** Validates and runs one call; throws ApiError (BAD_REQUEST / UNKNOWN_METHOD) or what the API threw. */
export async function invoke(api: ApiImplementation, method: string, params: unknown): Promise<unknown> {
  if (!isApiMethod(method)) throw new ApiError('UNKNOWN_METHOD');
  const spec = API_METHODS[method];
  const parsed = spec.input.safeParse(params ?? {});
  if (!parsed.success) {
    // Only the paths of the bad fields: values may be message text.
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(params)').slice(0, 5).join(', ');
    throw new ApiError(refusalCode(parsed.error.issues), { detail: `invalid: ${where}`, cause: parsed.error });
  }
  const result = await api.call(method, parsed.data as ApiInput<typeof method>);
  const out = spec.output.safeParse(result);
  if (!out.success) throw new ApiError('INTERNAL', { cause: out.error });
  return out.data;
}

/**
/**
 * The code for refused params: a check that names its own error (`params.apiError`, see
 * `typedText`) gives that one, anything over a size bound TOO_LARGE, the rest BAD_REQUEST.
 */
function refusalCode(issues: readonly { code: string; params?: unknown }[]): ApiErrorCode {
  for (const i of issues) {
    const named = (i.params as { apiError?: unknown } | undefined)?.apiError;
    if (typeof named === 'string' && isApiErrorCode(named)) return named;
  }
  return issues.some((i) => i.code === 'too_big') ? 'TOO_LARGE' : 'BAD_REQUEST';
}

/**
 * Turns a raw request frame into its response frame; `onError` sees every failure (for logging:
 * it gets the method and the error, never the params). Undefined when the frame is not a request
 * at all (no id to answer): the transport decides what to do with its peer.
 */
export async function dispatchFrame(
  api: ApiImplementation,
  raw: unknown,
  onError?: (e: unknown, method: string) => void,
): Promise<ResponseFrame | undefined> {
  const frame = RequestFrameSchema.safeParse(raw);
  if (!frame.success) {
    onError?.(new ApiError('BAD_REQUEST'), '?');
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : undefined;
    return id === undefined ? undefined : { id, error: errorBody(new ApiError('BAD_REQUEST')) };
  }
  const { id, method, params } = frame.data;
  try {
    return { id, result: await invoke(api, method, params) };
  } catch (e) {
    onError?.(e, method);
    return { id, error: errorBody(e) };
  }
}

export function errorBody(e: unknown): { code: string; message: string } {
  const v = isValiseError(e) ? e : toValiseError(e);
  return { code: v.code, message: v.userMessage };
}
