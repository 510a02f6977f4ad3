/** Channels store: the channel list, the selected channel, and receipts of wipes I issued. */
import { createStore } from 'zustand/vanilla';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiParams, ApiResult } from '../../shared/api/methods.ts';
import type { ChannelDetails, ChannelSummary, Person } from '../../shared/api/schemas.ts';
import { attempt as attemptIn } from './attempt.ts';

export type WipeStatus = ApiResult<'wipeStatus'>;

export interface ChannelsState {
  byId: Record<string, ChannelSummary>;
  selectedId: string | null;
  loaded: boolean;
  /** Wipes I issued, by channel id; kept after the channel leaves the list so receipts stay visible. */
  wipes: Record<string, { name: string; status: WipeStatus | null; confirmed: number; total: number }>;
  error: string | null;
}

export interface ChannelsActions {
  load(): Promise<void>;
  select(id: string | null): void;
  create(params: ApiParams<'createChannel'>): Promise<ChannelSummary | null>;
  pause(channelId: string, reason: string): Promise<boolean>;
  resume(channelId: string): Promise<boolean>;
  wipe(channelId: string, confirmName: string): Promise<boolean>;
  refreshWipe(channelId: string): Promise<void>;
  /** Who may be a member of a channel of this classification (empty when that cannot be read). */
  cleared(classification: number): Promise<Person[]>;
  /** Members, devices and safety numbers of one channel; null when that cannot be read. */
  details(channelId: string): Promise<ChannelDetails | null>;
  verifySafetyNumber(userId: string, deviceId: string): Promise<boolean>;
  /** The channel as a text document, when its policy allows export; null otherwise. */
  exportText(channelId: string): Promise<ApiResult<'export'> | null>;
  applyEvent(e: ApiEvent): void;
  clearError(): void;
}

export const initialChannels: ChannelsState = { byId: {}, selectedId: null, loaded: false, wipes: {}, error: null };

export function createChannelsStore(api: Api) {
  return createStore<ChannelsState & ChannelsActions>()((set, get) => {
    // The open channel is being read: it never shows an unread count.
    const upsert = (c: ChannelSummary) => set((s) => ({ byId: { ...s.byId, [c.id]: c.id === s.selectedId ? { ...c, unread: 0 } : c } }));
    const remove = (id: string) =>
      set((s) => {
        const { [id]: _gone, ...rest } = s.byId;
        return { byId: rest, selectedId: s.selectedId === id ? null : s.selectedId };
      });
    const attempt = <T>(work: () => Promise<T>) => attemptIn(set, work);
    return {
      ...initialChannels,
      load: async () => {
        const r = await attempt(() => api.call('listChannels'));
        if (r) set({ byId: Object.fromEntries(r.channels.map((c) => [c.id, c])), loaded: true });
      },
      select: (id) => set({ selectedId: id }),
      create: async (params) => {
        const c = await attempt(() => api.call('createChannel', params));
        if (c) {
          upsert(c);
          set({ selectedId: c.id });
        }
        return c;
      },
      pause: async (channelId, reason) => {
        const c = await attempt(() => api.call('pause', { channelId, reason }));
        if (c) upsert(c);
        return c !== null;
      },
      resume: async (channelId) => {
        const c = await attempt(() => api.call('resume', { channelId }));
        if (c) upsert(c);
        return c !== null;
      },
      wipe: async (channelId, confirmName) => {
        const r = await attempt(() => api.call('wipe', { channelId, confirmName }));
        if (!r) return false;
        set((s) => ({ wipes: { ...s.wipes, [channelId]: { name: confirmName, status: null, confirmed: 0, total: r.total } } }));
        await get().refreshWipe(channelId);
        return true;
      },
      refreshWipe: async (channelId) => {
        const status = await attempt(() => api.call('wipeStatus', { channelId }));
        if (!status) return;
        set((s) => {
          const w = s.wipes[channelId];
          if (!w) return {};
          return { wipes: { ...s.wipes, [channelId]: { ...w, status, confirmed: status.confirmed.length, total: status.total } } };
        });
      },
      cleared: async (classification) => (await attempt(() => api.call('listCleared', { classification })))?.people ?? [],
      details: (channelId) => attempt(() => api.call('channelDetails', { channelId })),
      verifySafetyNumber: async (userId, deviceId) => (await attempt(() => api.call('verifySafetyNumber', { userId, deviceId }))) !== null,
      exportText: (channelId) => attempt(() => api.call('export', { channelId, format: 'text' })),
      applyEvent: (e) => {
        switch (e.type) {
          case 'channelChanged':
            upsert(e.channel);
            break;
          case 'channelRemoved':
            remove(e.channelId);
            break;
          case 'wipeProgress': {
            const w = get().wipes[e.channelId];
            if (w) {
              set((s) => ({ wipes: { ...s.wipes, [e.channelId]: { ...w, confirmed: e.confirmed, total: e.total } } }));
              void get().refreshWipe(e.channelId);
            }
            break;
          }
          case 'messageReceived': {
            const c = get().byId[e.message.channelId];
            if (c && !e.message.mine && get().selectedId !== c.id) upsert({ ...c, unread: c.unread + 1, lastMessageAt: e.message.sentAt });
            else if (c) upsert({ ...c, lastMessageAt: e.message.sentAt });
            break;
          }
          default:
            break;
        }
      },
      clearError: () => set({ error: null }),
    };
  });
}

/** Every channel (a new array: derive it from `byId` in render, never as a store selector). */
export const selectChannelList = (s: Pick<ChannelsState, 'byId'>): ChannelSummary[] => Object.values(s.byId);
export const selectSelectedChannel = (s: ChannelsState): ChannelSummary | undefined => (s.selectedId ? s.byId[s.selectedId] : undefined);

/** The channel list in display order: by classification (highest first), then most recent. */
export function groupByClassification(channels: readonly ChannelSummary[]): { level: number; channels: ChannelSummary[] }[] {
  const groups = new Map<number, ChannelSummary[]>();
  for (const c of channels) {
    const g = groups.get(c.classification) ?? [];
    g.push(c);
    groups.set(c.classification, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => b - a)
    .map(([level, list]) => ({
      level,
      channels: list.sort((x, y) => (y.lastMessageAt ?? 0) - (x.lastMessageAt ?? 0) || x.name.localeCompare(y.name)),
    }));
}
