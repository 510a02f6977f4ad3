/** What the API shows: messages with their delivery state, channel summaries, pages, search hits and the export. */
import type { MemoryMessageStore, MessageStore, StoredMessage } from '../../../storage/index.ts';
import type { ApiInput, ApiResult } from '../../../shared/api/methods.ts';
import type { ChannelSummary, MessageView } from '../../../shared/api/schemas.ts';
import type { DeliveryBook } from '../DeliveryBook.ts';
import { formatExport } from '../formatExport.ts';
import { checkExport } from '../policyRules.ts';
import { channelView, messageView, sentByUser, summaryOf } from '../views.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { ReadMarks } from './ReadMarks.ts';
import { meView, type SessionContext } from './SessionContext.ts';

export interface ViewsDeps {
  book: ChannelBook;
  otr: MemoryMessageStore;
  deliveries: Pick<DeliveryBook, 'view'>;
  readMarks: Pick<ReadMarks, 'upTo' | 'hasRead'>;
  names: (userId: string) => string;
  /** A shown message expires at `at`. */
  expires: (messageId: string, channelId: string, at: number) => void;
}

export class Views {
  constructor(
    private readonly c: SessionContext,
    private readonly d: ViewsDeps,
  ) {}

  /** Where the channel's messages are: the profile, or memory for off-the-record channels. */
  storeFor(channelId: string): MessageStore | undefined {
    const onDisk = this.d.book.onDisk(channelId);
    if (onDisk === undefined) return undefined;
    return onDisk ? this.c.store.messages : this.d.otr;
  }

  view(m: StoredMessage): MessageView {
    const { me, meRef } = this.c;
    // Only my own messages have a delivery state (and looking one up may read the profile).
    const mine = m.sender === `${me.userId}.${me.deviceId}`;
    const { delivery, deliveries } = mine ? this.d.deliveries.view(m.id, this.d.book.get(m.channelId)?.state.policy.readReceipts ?? false) : { delivery: null, deliveries: [] };
    return messageView(m, meRef, this.d.names, { delivery, deliveries }, this.d.readMarks.hasRead(m.channelId, m));
  }

  /** Emits the message's new look (its delivery state changed). */
  updated(channelId: string, messageId: string): void {
    const m = this.storeFor(channelId)?.get(messageId);
    if (m) this.c.emit({ type: 'messageUpdated', message: this.view(m) });
  }

  summary(channelId: string): ChannelSummary {
    const e = this.d.book.get(channelId)!;
    const store = this.storeFor(channelId)!;
    const last = store.latest(channelId, 1)[0];
    const read = this.d.readMarks.upTo(channelId);
    // Unread: a cheap bound (the page the UI shows first), not a full count.
    const unread = store.latest(channelId, 100).filter((m) => !sentByUser(m, this.c.me.userId) && (!read || m.sentAt > read.sentAt)).length;
    return summaryOf(channelView(e.state, e.pausedReason), meView(this.c.me), this.c.clock.now(), { unread, lastMessageAt: last?.sentAt ?? null });
  }

  listChannels(): ApiResult<'listChannels'> {
    const channels = this.d.book
      .liveIds()
      .map((id) => this.summary(id))
      .sort((a, b) => (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
    return { channels };
  }

  listMessages(input: ApiInput<'listMessages'>): ApiResult<'listMessages'> {
    this.d.book.live(input.channelId);
    const store = this.storeFor(input.channelId)!;
    const before = input.before ? parseCursor(input.before) : undefined;
    const page = store.latest(input.channelId, input.limit, before ? { before } : undefined).reverse();
    const last = page.at(-1);
    const nextCursor = page.length === input.limit && last ? `${last.sentAt}:${last.id}` : null;
    for (const m of page) if (m.expiresAt !== null) this.d.expires(m.id, m.channelId, m.expiresAt);
    return { messages: page.map((m) => this.view(m)), nextCursor };
  }

  search(input: ApiInput<'search'>): ApiResult<'search'> {
    const opts = { limit: input.limit, ...(input.channelId ? { channelId: input.channelId } : {}) };
    const found = [...this.c.store.messages.search(input.query, opts), ...this.d.otr.search(input.query, opts)]
      .filter((m) => !this.d.book.isWiped(m.channelId))
      .sort((a, b) => b.sentAt - a.sentAt)
      .slice(0, input.limit);
    return { hits: found.map((m) => ({ message: this.view(m), snippet: m.text.slice(0, 160) })) };
  }

  exportChannel(input: ApiInput<'export'>): ApiResult<'export'> {
    const e = this.d.book.live(input.channelId);
    checkExport(channelView(e.state, e.pausedReason));
    const all: StoredMessage[] = [];
    let before: { sentAt: number; id: string } | undefined;
    for (;;) {
      const page = this.c.store.messages.latest(input.channelId, 500, before ? { before } : undefined);
      all.unshift(...page);
      if (page.length < 500) break;
      before = { sentAt: page[0]!.sentAt, id: page[0]!.id };
    }
    const label = this.c.org.classifications.find((c) => c.level === e.state.classification)?.label ?? String(e.state.classification);
    return formatExport({ channelName: e.state.name, classificationLabel: label, messages: all, nameOf: this.d.names, format: input.format });
  }
}

/** A page cursor: "sentAt:id" of the oldest message shown. */
export function parseCursor(c: string): { sentAt: number; id: string } | undefined {
  const i = c.indexOf(':');
  const sentAt = Number(c.slice(0, i));
  return i > 0 && Number.isSafeInteger(sentAt) ? { sentAt, id: c.slice(i + 1) } : undefined;
}
