/**
 * Messages store: the loaded window of each channel's messages, oldest first, paged from the
 * engine (newest page first, older pages on demand). Off-the-record text lives only here and in
 * the engine's memory; nothing in the renderer persists it.
 */
import { createStore } from 'zustand/vanilla';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiResult } from '../../shared/api/methods.ts';
import type { MessageView } from '../../shared/api/schemas.ts';
import { attempt } from './attempt.ts';

export interface ChannelMessages {
  list: MessageView[];
  /** Cursor for the next older page; null when the beginning is loaded. */
  nextCursor: string | null;
  loading: boolean;
}

export interface MessagesState {
  byChannel: Record<string, ChannelMessages>;
  error: string | null;
}

export interface MessagesActions {
  open(channelId: string): Promise<void>;
  loadOlder(channelId: string): Promise<void>;
  send(channelId: string, text: string, attachments?: { name: string; mime: string; dataBase64: string }[]): Promise<boolean>;
  markRead(channelId: string): Promise<void>;
  /** Full-text search across my channels (no hits when it fails; the error shows). */
  search(query: string): Promise<ApiResult<'search'>['hits']>;
  applyEvent(e: ApiEvent): void;
  clearError(): void;
}

export const PAGE = 500;
export const selectChannelMessages =
  (channelId: string) =>
  (s: MessagesState): ChannelMessages | undefined =>
    s.byChannel[channelId];
export const initialMessages: MessagesState = { byChannel: {}, error: null };

const EMPTY: ChannelMessages = { list: [], nextCursor: null, loading: false };

export function createMessagesStore(api: Api) {
  return createStore<MessagesState & MessagesActions>()((set, get) => {
    const patch = (channelId: string, p: Partial<ChannelMessages>) =>
      set((s) => ({ byChannel: { ...s.byChannel, [channelId]: { ...(s.byChannel[channelId] ?? EMPTY), ...p } } }));
    const upsert = (m: MessageView) =>
      set((s) => {
        const cur = s.byChannel[m.channelId];
        if (!cur) return {};
        const i = cur.list.findLastIndex((x) => x.id === m.id);
        const list = i >= 0 ? cur.list.with(i, m) : [...cur.list, m];
        return { byChannel: { ...s.byChannel, [m.channelId]: { ...cur, list } } };
      });
    return {
      ...initialMessages,
      open: async (channelId) => {
        if (get().byChannel[channelId]?.list.length) return;
        patch(channelId, { loading: true });
        const r = await attempt(set, () => api.call('listMessages', { channelId, limit: 100 }));
        if (!r) return patch(channelId, { loading: false });
        // Messages that arrived live while the page was loading are kept, not overwritten.
        const page = r.messages.toReversed();
        const known = new Set(page.map((m) => m.id));
        const live = (get().byChannel[channelId]?.list ?? []).filter((m) => !known.has(m.id));
        patch(channelId, { list: [...page, ...live], nextCursor: r.nextCursor, loading: false });
      },
      loadOlder: async (channelId) => {
        const cur = get().byChannel[channelId];
        if (!cur || cur.loading || cur.nextCursor === null) return;
        patch(channelId, { loading: true });
        const before = cur.nextCursor;
        const r = await attempt(set, () => api.call('listMessages', { channelId, before, limit: PAGE }));
        if (!r) return patch(channelId, { loading: false });
        const now = get().byChannel[channelId] ?? EMPTY;
        patch(channelId, { list: [...r.messages.toReversed(), ...now.list], nextCursor: r.nextCursor, loading: false });
      },
      send: async (channelId, text, attachments = []) => {
        const r = await attempt(set, () => api.call('send', attachments.length ? { channelId, text, attachments } : { channelId, text }));
        if (r) upsert(r.message);
        return r !== null;
      },
      markRead: async (channelId) => {
        const last = get().byChannel[channelId]?.list.findLast((m) => !m.mine && !m.readByMe);
        if (!last) return;
        try {
          await api.call('markRead', { channelId, upToMessageId: last.id });
        } catch {
          // Read state is best effort; the next open retries.
        }
      },
      search: async (query) => (await attempt(set, () => api.call('search', { query })))?.hits ?? [],
      applyEvent: (e) => {
        if (e.type === 'messageReceived' || e.type === 'messageUpdated') upsert(e.message);
        else if (e.type === 'messageDeleted') {
          const gone = new Set(e.messageIds);
          const cur = get().byChannel[e.channelId];
          if (cur) patch(e.channelId, { list: cur.list.filter((m) => !gone.has(m.id)) });
        } else if (e.type === 'channelRemoved') {
          set((s) => {
            const { [e.channelId]: _gone, ...rest } = s.byChannel;
            return { byChannel: rest };
          });
        }
      },
      clearError: () => set({ error: null }),
    };
  });
}
