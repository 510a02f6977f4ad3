import { describe, expect, it } from 'vitest';
import { ApiClient } from './ApiClient.ts';
import { apiFromHandlers, dispatchFrame, type ApiImplementation, type ApiHandlers } from './dispatch.ts';
import { ApiError } from './errors.ts';
import { API_METHOD_NAMES } from './methods.ts';
import { DEFAULT_SETTINGS } from './schemas.ts';
import { MAX_NAME_BYTES, MAX_REASON_BYTES, MAX_TEXT_BYTES } from '../model/limits.ts';
import { DEFAULT_POLICY } from '../model/policy.ts';

function handlers(overrides: Partial<ApiHandlers>): ApiImplementation {
  const all = {} as Record<string, unknown>;
  for (const m of API_METHOD_NAMES) all[m] = () => Promise.reject(new ApiError('LOCKED'));
  return apiFromHandlers({ ...(all as ApiHandlers), ...overrides });
}

function loop(h: ApiImplementation): ApiClient {
  const client: ApiClient = new ApiClient((frame) => {
    // A JSON round trip, as over IPC or a WebSocket.
    void dispatchFrame(h, JSON.parse(JSON.stringify(frame))).then((res) => res && client.receive(JSON.parse(JSON.stringify(res))));
  });
  return client;
}

describe('API dispatch', () => {
  it('validates params and fills defaults before the handler sees them', async () => {
    let seen: unknown;
    const c = loop(handlers({ listMessages: (input) => ((seen = input), Promise.resolve({ messages: [], nextCursor: null })) }));
    await expect(c.call('listMessages', { channelId: 'c1' })).resolves.toEqual({ messages: [], nextCursor: null });
    expect(seen).toEqual({ channelId: 'c1', limit: 50 });
  });

  it('refuses bad params with BAD_REQUEST and never calls the handler, nor echoes the values', async () => {
    let called = false;
    const c = loop(handlers({ send: () => ((called = true), Promise.reject(new Error('no'))) }));
    const err = await c.call('send', { channelId: '', text: 'secret words' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('BAD_REQUEST');
    expect((err as ApiError).message).not.toContain('secret words');
    expect(called).toBe(false);
  });

  it('refuses unknown fields, so a compromised UI cannot smuggle options in', async () => {
    const h = handlers({ getSettings: () => Promise.resolve(DEFAULT_SETTINGS) });
    const res = await dispatchFrame(h, { id: 3, method: 'getSettings', params: { admin: true } });
    expect(res).toMatchObject({ id: 3, error: { code: 'BAD_REQUEST' } });
  });

  it('answers unknown methods with UNKNOWN_METHOD', async () => {
    const res = await dispatchFrame(handlers({}), { id: 1, method: '__proto__', params: {} });
    expect(res).toMatchObject({ id: 1, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('passes typed errors through with their user message and hides unexpected ones', async () => {
    const c = loop(
      handlers({
        pause: () => Promise.reject(new ApiError('CHANNEL_PAUSED', { detail: 'incident' })),
        resume: () => Promise.reject(new Error('db path /home/x/secret.db')),
      }),
    );
    const paused = (await c.call('pause', { channelId: 'c', reason: 'r' }).catch((e: unknown) => e)) as ApiError;
    expect(paused.code).toBe('CHANNEL_PAUSED');
    expect(paused.message).toContain('incident');
    const internal = (await c.call('resume', { channelId: 'c' }).catch((e: unknown) => e)) as ApiError;
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).not.toContain('secret.db');
  });

  it('refuses a handler result that breaks the contract', async () => {
    const bad = handlers({ getSettings: () => Promise.resolve({ ...DEFAULT_SETTINGS, theme: 'neon' } as never) });
    expect(await dispatchFrame(bad, { id: 9, method: 'getSettings' })).toMatchObject({ error: { code: 'INTERNAL' } });
  });

  it('tells the transport who failed and how, without the params', async () => {
    const seen: [string, string][] = [];
    const h = handlers({ resume: () => Promise.reject(new ApiError('CHANNEL_PAUSED')) });
    await dispatchFrame(h, { id: 4, method: 'resume', params: { channelId: 'secret channel' } }, (e, m) => seen.push([m, (e as ApiError).code]));
    expect(await dispatchFrame(h, { method: 'resume' }, (e, m) => seen.push([m, (e as ApiError).code]))).toBeUndefined();
    expect(seen).toEqual([['resume', 'CHANNEL_PAUSED'], ['?', 'BAD_REQUEST']]);
  });

  it('delivers events to listeners and fails pending calls when the transport closes', async () => {
    const seen: string[] = [];
    const c = new ApiClient(() => undefined);
    c.onEvent((e) => seen.push(e.type));
    c.receive({ events: [{ type: 'syncProgress', done: 1, total: 2 }, { type: 'nonsense' }, { type: 'syncProgress', done: 2, total: 2 }] });
    c.receive({ events: [{ type: 'nonsense' }] });
    c.receive({ event: { type: 'syncProgress', done: 1, total: 2 } });
    expect(seen).toEqual(['syncProgress', 'syncProgress']);
    const p = c.call('status');
    c.close();
    await expect(p).rejects.toMatchObject({ code: 'OFFLINE' });
  });
});

describe('API dispatch: one size limit, in bytes, and well-formed text', () => {
  const refusal = async (method: Parameters<ApiClient['call']>[0], params: object): Promise<{ code: string; called: boolean; message: string }> => {
    let called = false;
    const all: ApiImplementation = { call: () => ((called = true), Promise.reject(new ApiError('CONFLICT'))) };
    const err = (await loop(all).call(method, params as never).catch((e: unknown) => e)) as ApiError;
    return { code: err.code, called, message: err.message };
  };

  it('refuses 65,536 Chinese characters with TOO_LARGE before the engine sees them (196,608 bytes, more than any receiver takes)', async () => {
    const r = await refusal('send', { channelId: 'c1', text: '交'.repeat(65_536) });
    expect(r).toMatchObject({ code: 'TOO_LARGE', called: false });
    expect(r.message).not.toContain('交');
  });

  it('lets the largest allowed text through, in any script', async () => {
    for (const text of ['a'.repeat(MAX_TEXT_BYTES), '交'.repeat(Math.floor(MAX_TEXT_BYTES / 3)), '😀'.repeat(MAX_TEXT_BYTES / 4)]) {
      expect(await refusal('send', { channelId: 'c1', text })).toMatchObject({ code: 'CONFLICT', called: true });
    }
    expect(await refusal('send', { channelId: 'c1', text: 'a'.repeat(MAX_TEXT_BYTES + 1) })).toMatchObject({ code: 'TOO_LARGE', called: false });
    expect(await refusal('send', { channelId: 'c1', text: '交'.repeat(Math.floor(MAX_TEXT_BYTES / 3) + 1) })).toMatchObject({ code: 'TOO_LARGE', called: false });
  });

  it('refuses a lone surrogate with INVALID_TEXT instead of letting it arrive altered', async () => {
    for (const text of ['deal at \ud83d', '\ude00 x', 'a\ud83d\ud83d\ude00']) {
      expect(await refusal('send', { channelId: 'c1', text })).toMatchObject({ code: 'INVALID_TEXT', called: false });
    }
    expect(await refusal('createChannel', { name: 'Talks \ud800', classification: 0, memberUserIds: [], policy: DEFAULT_POLICY })).toMatchObject({ code: 'INVALID_TEXT', called: false });
    expect(await refusal('send', { channelId: 'c1', text: 'deal at 😀' })).toMatchObject({ code: 'CONFLICT', called: true });
  });

  it('refuses an empty text, name or reason with EMPTY_TEXT, not as a request it did not understand', async () => {
    const r = await refusal('send', { channelId: 'c1', text: '' });
    expect(r).toMatchObject({ code: 'EMPTY_TEXT', called: false });
    expect(r.message).not.toMatch(/not understood|Update Valise/);
    expect(await refusal('createChannel', { name: '   ', classification: 0, memberUserIds: [], policy: DEFAULT_POLICY })).toMatchObject({ code: 'EMPTY_TEXT', called: false });
    expect(await refusal('pause', { channelId: 'c1', reason: '' })).toMatchObject({ code: 'EMPTY_TEXT', called: false });
  });

  it('refuses an empty passphrase with PASSPHRASE_REQUIRED and a short new one with PASSPHRASE_TOO_SHORT', async () => {
    const r = await refusal('unlock', { passphrase: '' });
    expect(r).toMatchObject({ code: 'PASSPHRASE_REQUIRED', called: false });
    expect(r.message).toMatch(/passphrase is needed/);
    expect(await refusal('unlock', { passphrase: 'x' })).toMatchObject({ code: 'CONFLICT', called: true });
    const join = { orgJson: '{}', displayName: 'Ann', keyProvider: 'passphrase' };
    expect(await refusal('joinOrganisation', { ...join, passphrase: '' })).toMatchObject({ code: 'PASSPHRASE_REQUIRED', called: false });
    expect(await refusal('joinOrganisation', { ...join, passphrase: 'short' })).toMatchObject({ code: 'PASSPHRASE_TOO_SHORT', called: false });
    expect(await refusal('startLocalOrganisation', { orgName: 'Org', displayName: 'Ann', keyProvider: 'passphrase', passphrase: 'short' })).toMatchObject({ code: 'PASSPHRASE_TOO_SHORT', called: false });
  });

  it('refuses an over-long name or reason with TOO_LARGE, counted in bytes', async () => {
    expect(await refusal('createChannel', { name: '交'.repeat(Math.floor(MAX_NAME_BYTES / 3) + 1), classification: 0, memberUserIds: [], policy: DEFAULT_POLICY })).toMatchObject({ code: 'TOO_LARGE', called: false });
    expect(await refusal('createChannel', { name: '交'.repeat(Math.floor(MAX_NAME_BYTES / 3)), classification: 0, memberUserIds: [], policy: DEFAULT_POLICY })).toMatchObject({ called: true });
    expect(await refusal('pause', { channelId: 'c1', reason: 'x'.repeat(MAX_REASON_BYTES + 1) })).toMatchObject({ code: 'TOO_LARGE', called: false });
    expect(await refusal('pause', { channelId: 'c1', reason: '交'.repeat(Math.floor(MAX_REASON_BYTES / 3) + 1) })).toMatchObject({ code: 'TOO_LARGE', called: false });
    expect(await refusal('pause', { channelId: 'c1', reason: '交'.repeat(Math.floor(MAX_REASON_BYTES / 3)) })).toMatchObject({ called: true });
  });
});
