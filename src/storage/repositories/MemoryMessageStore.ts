/**
 * Messages of off-the-record channels: held in this process only, never written to disk, gone when
 * the store is dropped or the app exits. Same interface as the SQLite store.
 */
import { searchTerms, type MessagePage, type MessageStore, type NewMessage, type SearchOptions, type StoredMessage } from './MessageStore.ts';

export class MemoryMessageStore implements MessageStore {
  private readonly byId = new Map<string, StoredMessage & { seq: number }>();
  private seq = 0;

  insert(m: NewMessage): boolean {
    if (this.byId.has(m.id)) return false;
    this.byId.set(m.id, {
      id: m.id,
      channelId: m.channelId,
      sender: m.sender,
      sentAt: m.sentAt,
      receivedAt: m.receivedAt ?? Date.now(),
      expiresAt: m.expiresAt ?? null,
      text: m.text,
      seq: this.seq++,
    });
    return true;
  }

  get(id: string): StoredMessage | null {
    const m = this.byId.get(id);
    return m ? strip(m) : null;
  }

  latest(channelId: string, limit: number, page?: MessagePage): StoredMessage[] {
    const anchor = page?.before ? this.byId.get(page.before.id) : undefined;
    const all = this.ordered(channelId).filter((m) => {
      if (!page?.before) return true;
      if (m.sentAt !== page.before.sentAt) return m.sentAt < page.before.sentAt;
      return anchor ? m.seq < anchor.seq : false;
    });
    return all.slice(Math.max(0, all.length - limit)).map(strip);
  }

  search(query: string, opts: SearchOptions = {}): StoredMessage[] {
    const terms = searchTerms(query).map((t) => t.toLocaleLowerCase());
    if (terms.length === 0) return [];
    const out: StoredMessage[] = [];
    const candidates = [...this.byId.values()].sort((a, b) => b.seq - a.seq);
    for (const m of candidates) {
      if (opts.channelId && m.channelId !== opts.channelId) continue;
      const words = searchTerms(m.text).map((w) => w.toLocaleLowerCase());
      const ok = terms.every((t, i) => (i === terms.length - 1 ? words.some((w) => w.startsWith(t)) : words.includes(t)));
      if (ok) out.push(strip(m));
      if (out.length >= (opts.limit ?? 50)) break;
    }
    return out;
  }

  delete(id: string): boolean {
    return this.byId.delete(id);
  }

  deleteExpired(now: number): number {
    let n = 0;
    for (const [id, m] of this.byId) {
      if (m.expiresAt !== null && m.expiresAt <= now) {
        this.byId.delete(id);
        n++;
      }
    }
    return n;
  }

  deleteChannel(channelId: string): number {
    let n = 0;
    for (const [id, m] of this.byId) {
      if (m.channelId === channelId) {
        this.byId.delete(id);
        n++;
      }
    }
    return n;
  }

  count(channelId: string): number {
    let n = 0;
    for (const m of this.byId.values()) if (m.channelId === channelId) n++;
    return n;
  }

  private ordered(channelId: string): (StoredMessage & { seq: number })[] {
    return [...this.byId.values()].filter((m) => m.channelId === channelId).sort((a, b) => a.sentAt - b.sentAt || a.seq - b.seq);
  }
}

function strip(m: StoredMessage & { seq: number }): StoredMessage {
  const { seq: _seq, ...rest } = m;
  return rest;
}
