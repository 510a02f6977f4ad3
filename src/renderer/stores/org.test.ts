import { describe, expect, it } from 'vitest';
import type { Api } from '../../shared/api/ApiClient.ts';
import { ApiError } from '../../shared/api/errors.ts';
import { DEFAULT_POLICY } from '../../shared/model/policy.ts';
import { createOrgStore } from './org.ts';

describe('org store', () => {
  it('loads the organisation, pauses through the API and reloads; keeps the error code when refused', async () => {
    const calls: string[] = [];
    let status: 'active' | 'paused' = 'active';
    const api: Api = {
      call: (async (method: string, params?: { reason?: string }) => {
        calls.push(method);
        if (method === 'listOrgChannels') return { channels: [{ id: 'c', name: 'Talks', classification: 1, status, pausedReason: null, membersCount: 3, member: false, policy: DEFAULT_POLICY, changedAt: 1 }] };
        if (method === 'pause') {
          if (params?.reason === 'no') throw new ApiError('FORBIDDEN');
          status = 'paused';
          return {};
        }
        throw new Error(method);
      }) as Api['call'],
      onEvent: () => () => undefined,
    };
    const s = createOrgStore(api);
    await s.getState().load();
    expect(s.getState().channels?.[0]?.status).toBe('active');
    expect(await s.getState().pause('c', 'leak')).toBe(true);
    expect(s.getState().channels?.[0]?.status).toBe('paused');
    expect(calls).toEqual(['listOrgChannels', 'pause', 'listOrgChannels']);
    expect(await s.getState().pause('c', 'no')).toBe(false);
    expect(s.getState().error).toBe('FORBIDDEN');
  });
});
