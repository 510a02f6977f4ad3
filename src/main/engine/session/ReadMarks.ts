/**
 * How far I have read each channel, and what reading does: "read" receipts where the policy allows
 * them, and burn-after-reading deadlines written to the messages read.
 */
import { atOrBefore, type MemoryMessageStore, type MessagePosition } from '../../../storage/index.ts';
import type { ApiInput, ApiResult } from '../../../shared/api/methods.ts';
import { ApiError } from '../errors.ts';
import { sentByUser } from '../views.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { Receipts } from './Receipts.ts';
import type { SessionContext } from './SessionContext.ts';
import type { MessageStore } from '../../../storage/index.ts';

const BURN_GRACE_MS = 10_000;

export interface ReadMarksDeps {
  book: ChannelBook;
  otr: MemoryMessageStore;
  receipts: Pick<Receipts, 'add' | 'flush'>;
  storeFor: (channelId: string) => MessageStore | undefined;
  /** A message now expires at `at`. */
  expires: (messageId: string, channelId: string, at: number) => void;
  /** How long a burned message stays visible after being read. */
  burnGraceMs?: number;
}

export class ReadMarks {
  private marks: Map<string, MessagePosition> | null = null;

  constructor(
    private readonly c: SessionContext,
    private readonly d: ReadMarksDeps,
  ) {}

  /** The newest message I read in the channel, if any. */
  upTo(channelId: string): MessagePosition | undefined {
    this.marks ??= this.c.store.repos.readMarks.all();
    return this.marks.get(channelId);
  }

  /** True if I have read `m` (it is at or before my read mark). */
  hasRead(channelId: string, m: MessagePosition): boolean {
    const read = this.upTo(channelId);
    return read !== undefined && atOrBefore(m, read);
  }

  markRead(input: ApiInput<'markRead'>): ApiResult<'markRead'> {
    const { me, store: profile, clock } = this.c;
    const e = this.d.book.live(input.channelId);
    const store = this.d.storeFor(input.channelId)!;
    const target = store.get(input.upToMessageId);
    if (!target || target.channelId !== input.channelId) throw new ApiError('NOT_FOUND');
    if (e.state.policy.readReceipts) {
      const before = this.upTo(input.channelId);
      const mine = `${me.userId}.${me.deviceId}`;
      for (const m of store.latest(input.channelId, 500)) {
        const upTo = atOrBefore(m, target);
        const already = before !== undefined && atOrBefore(m, before);
        if (upTo && !already && m.sender !== mine) this.d.receipts.add(input.channelId, m.sender, m.id, 'read');
      }
      this.d.receipts.flush();
    }
    const mark = { sentAt: target.sentAt, id: target.id };
    profile.repos.readMarks.set(input.channelId, mark);
    this.marks ??= profile.repos.readMarks.all();
    this.marks.set(input.channelId, mark);
    if (e.state.policy.burnAfterReading) {
      const at = clock.now() + (this.d.burnGraceMs ?? BURN_GRACE_MS);
      for (const m of store.latest(input.channelId, 500)) {
        if (m.sentAt > target.sentAt || sentByUser(m, me.userId)) continue;
        if (m.expiresAt !== null && m.expiresAt <= at) continue;
        // The deadline is written to the row, so it survives a restart.
        const burned = { ...m, expiresAt: at };
        if (store === this.d.otr) {
          this.d.otr.delete(m.id);
          this.d.otr.insert(burned);
        } else profile.messages.setExpiry(m.id, at);
        this.d.expires(m.id, m.channelId, at);
      }
    }
    return { ok: true };
  }
}
