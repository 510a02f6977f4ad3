/** Session store: where the app stands (first run, enrolling, locked, unlocked), who I am, the connection. */
import { createStore } from 'zustand/vanilla';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiParams } from '../../shared/api/methods.ts';
import type { Status } from '../../shared/api/schemas.ts';
import { DEFAULT_CLASSIFICATIONS, type ClassificationLevel } from '../../shared/model/classification.ts';
import { attempt } from './attempt.ts';

export interface SessionState {
  status: Status | null;
  comparisonCode: string | null;
  busy: boolean;
  error: string | null;
  disconnected: boolean;
}

export interface SessionActions {
  refresh(): Promise<void>;
  unlock(passphrase?: string): Promise<boolean>;
  lock(): Promise<void>;
  startLocal(params: ApiParams<'startLocalOrganisation'>): Promise<void>;
  join(params: ApiParams<'joinOrganisation'>): Promise<void>;
  applyEvent(e: ApiEvent): void;
  setDisconnected(): void;
  clearError(): void;
}

export type SessionStore = ReturnType<typeof createSessionStore>;

export const initialSession: SessionState = { status: null, comparisonCode: null, busy: false, error: null, disconnected: false };

export function createSessionStore(api: Api) {
  return createStore<SessionState & SessionActions>()((set, get) => {
    const run = async (work: () => Promise<void>): Promise<boolean> => (await attempt(set, work, { busy: true })) !== null;
    return {
      ...initialSession,
      refresh: async () => {
        await run(async () => {
          const status = await api.call('status');
          set({ status });
          if (status.state === 'enrolling') {
            const e = await api.call('enrolmentStatus');
            set({ comparisonCode: e.comparisonCode });
          }
        });
      },
      unlock: (passphrase) => run(async () => set({ status: await api.call('unlock', passphrase ? { passphrase } : {}) })),
      lock: async () => {
        await run(async () => {
          await api.call('lock');
          await get().refresh();
        });
      },
      startLocal: async (params) => {
        await run(async () => {
          const { relayUrl: _r, orgJson: _o, ...status } = await api.call('startLocalOrganisation', params);
          set({ status });
        });
      },
      join: async (params) => {
        await run(async () => {
          const r = await api.call('joinOrganisation', params);
          set({ comparisonCode: r.comparisonCode });
          set({ status: await api.call('status') });
        });
      },
      applyEvent: (e) => {
        const status = get().status;
        if (e.type === 'connection' && status) set({ status: { ...status, connection: e.state } });
        else if (e.type === 'locked' && status) set({ status: { ...status, state: 'locked' } });
        else if (e.type === 'clock' && status) set({ status: { ...status, clock: { offsetMs: e.offsetMs, skewed: e.skewed } } });
        else if (e.type === 'enrolment') void get().refresh();
      },
      setDisconnected: () => set({ disconnected: true }),
      clearError: () => set({ error: null }),
    };
  });
}

export const selectStatus = (s: SessionState): Status | null => s.status;
export const selectIsOfficer = (s: SessionState): boolean => s.status?.me?.orgRoles.includes('security-officer') ?? false;

export function classificationsOf(status: Status | null): readonly ClassificationLevel[] {
  return status?.org?.classifications.length ? status.org.classifications : DEFAULT_CLASSIFICATIONS;
}
