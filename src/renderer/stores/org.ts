/** Organisation store (security officers): every channel of the organisation and the officer's pause/resume. */
import { createStore } from 'zustand/vanilla';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiParams, ApiResult } from '../../shared/api/methods.ts';
import type { OrgChannel } from '../../shared/api/schemas.ts';

export type EnrolmentRequest = ApiResult<'listEnrolmentRequests'>['requests'][number];
import { attempt } from './attempt.ts';

export interface OrgState {
  channels: OrgChannel[] | null;
  loading: boolean;
  error: string | null;
  /** Devices asking to join a local organisation (its officer approves them here). */
  requests: EnrolmentRequest[];
  requestsError: string | null;
}

export interface OrgActions {
  load(): Promise<void>;
  pause(channelId: string, reason: string): Promise<boolean>;
  resume(channelId: string): Promise<boolean>;
  loadRequests(): Promise<void>;
  approve(params: ApiParams<'approveEnrolment'>): Promise<boolean>;
  applyEvent(e: ApiEvent): void;
}

export const initialOrg: OrgState = { channels: null, loading: false, error: null, requests: [], requestsError: null };

export const selectOrgChannels = (s: OrgState): OrgChannel[] | null => s.channels;

export function createOrgStore(api: Api) {
  return createStore<OrgState & OrgActions>()((set, get) => {
    async function act(work: () => Promise<unknown>): Promise<boolean> {
      if ((await attempt(set, work)) === null) return false;
      await get().load();
      return true;
    }
    return {
      ...initialOrg,
      load: async () => {
        set({ loading: true, error: null });
        const r = await attempt(set, () => api.call('listOrgChannels'));
        set({ loading: false, ...(r ? { channels: r.channels } : {}) });
      },
      pause: (channelId, reason) => act(() => api.call('pause', { channelId, reason })),
      resume: (channelId) => act(() => api.call('resume', { channelId })),
      loadRequests: async () => {
        const r = await attempt((p) => set({ requestsError: p.error ?? null }), () => api.call('listEnrolmentRequests'));
        if (r) set({ requests: r.requests });
      },
      approve: async (params) => {
        set({ requestsError: null });
        const ok = (await attempt((p) => set({ requestsError: p.error ?? null }), () => api.call('approveEnrolment', params))) !== null;
        if (ok) await get().loadRequests();
        return ok;
      },
      applyEvent: (e) => {
        // Channels this device belongs to tell it when they change; the list follows once loaded.
        if (get().channels === null) return;
        if (e.type === 'channelChanged' || e.type === 'channelRemoved') void get().load();
      },
    };
  });
}
