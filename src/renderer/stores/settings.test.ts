import { describe, expect, it } from 'vitest';
import type { Api } from '../../shared/api/ApiClient.ts';
import { ApiError } from '../../shared/api/errors.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/api/schemas.ts';
import { createSettingsStore, selectSendOnEnter } from './settings.ts';

function engine(stored: Settings, fail = false) {
  const saved: Partial<Settings>[] = [];
  const api = {
    call: (async (method: string, params?: Partial<Settings>) => {
      if (fail) throw new ApiError('LOCKED');
      if (method === 'getSettings') return stored;
      if (method === 'setSettings') {
        saved.push(params!);
        return { ...stored, ...params };
      }
      throw new Error(method);
    }) as Api['call'],
    onEvent: () => () => undefined,
  } satisfies Api;
  return { api, saved };
}

describe('settings store', () => {
  it('shows the defaults until the stored settings arrive, then those', async () => {
    const s = createSettingsStore(engine({ ...DEFAULT_SETTINGS, sendOnEnter: false }).api);
    expect(selectSendOnEnter(s.getState())).toBe(true);
    expect(s.getState().loaded).toBe(false);
    await s.getState().load();
    expect(selectSendOnEnter(s.getState())).toBe(false);
    expect(s.getState().loaded).toBe(true);
  });

  it('saves a change through the engine and keeps what the engine stored', async () => {
    const e = engine(DEFAULT_SETTINGS);
    const s = createSettingsStore(e.api);
    expect(await s.getState().save({ sendOnEnter: false })).toBe(true);
    expect(e.saved).toEqual([{ sendOnEnter: false }]);
    expect(s.getState().settings.sendOnEnter).toBe(false);
  });

  it('keeps the error code of a failed save and the settings it had', async () => {
    const s = createSettingsStore(engine(DEFAULT_SETTINGS, true).api);
    expect(await s.getState().save({ autoLockMinutes: 1 })).toBe(false);
    expect(s.getState().error).toBe('LOCKED');
    expect(s.getState().settings).toEqual(DEFAULT_SETTINGS);
  });
});
