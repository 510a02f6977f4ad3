/** Organisation store (security officers): every channel of the organisation and the officer's pause/resume. */
import { createStore } from 'zustand/vanilla';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { OrgChannel } from '../../shared/api/schemas.ts';
import { errorMessage } from './errorMessage.ts';

export interface OrgState {
  channels: OrgChannel[] | null;
  loading: boolean;
  error: string | null;
}

export interface OrgActions {
  load(): Promise<void>;
  pause(channelId: string, reason: string): Promise<boolean>;
  resume(channelId: string): Promise<boolean>;
  applyEvent(e: ApiEvent): void;
}

export const initialOrg: OrgState = { channels: null, loading: false, error: null };

export function createOrgStore(api: Api) {
  return createStore<OrgState & OrgActions>()((set, get) => {
    async function act(work: () => Promise<unknown>): Promise<boolean> {
      try {
        await work();
        await get().load();
        return true;
      } catch (e) {
        set({ error: errorMessage(e) });
        return false;
      }
    }
    return {
      ...initialOrg,
      load: async () => {
        set({ loading: true, error: null });
        try {
          const { channels } = await api.call('listOrgChannels');
          set({ channels });
        } catch (e) {
          set({ error: errorMessage(e) });
        } finally {
          set({ loading: false });
        }
      },
      pause: (channelId, reason) => act(() => api.call('pause', { channelId, reason })),
      resume: (channelId) => act(() => api.call('resume', { channelId })),
      applyEvent: (e) => {
        // Channels this device belongs to tell it when they change; the list follows once loaded.
        if (get().channels === null) return;
        if (e.type === 'channelChanged' || e.type === 'channelRemoved') void get().load();
      },
    };
  });
}
