/**
 * A signed channel change: judged against the state this device holds (or, when it was added at a
 * later epoch or missed changes, against the whole chain fetched from the relay), staged for the
 * rest of the batch, made current once committed.
 */
import { applyChannelChange, decodeChannelState, verifyChannelChain, type ChannelState } from '../../../../crypto/index.ts';
import type { RelayClient } from '../../../../relay/RelayClient.ts';
import { ApiError } from '../../errors.ts';
import { hex } from '../../views.ts';
import type { ChannelBook } from '../ChannelBook.ts';
import type { Directory } from '../Directory.ts';
import type { SessionContext } from '../SessionContext.ts';
import type { ReceivedOf } from './events.ts';

export interface ChannelChangeDeps {
  book: ChannelBook;
  directory: Directory;
  authenticated: () => RelayClient | null;
  /** This item may change protocol state: it is opened on this thread, not ahead in the worker. */
  openedHere: () => void;
  /** A committed state becomes current (or the channel goes, if I was removed). */
  accept: (state: ChannelState) => void;
}

export class ChannelChangeHandler {
  constructor(
    private readonly c: SessionContext,
    private readonly d: ChannelChangeDeps,
  ) {}

  async open(payload: Uint8Array, now: number): Promise<ReceivedOf<'channel'>> {
    const { book, directory } = this.d;
    this.d.openedHere();
    const decoded = decodeChannelState(payload);
    const id = hex(decoded.channelId);
    await directory.knowAll([decoded.signer.userId, ...decoded.members.map((m) => m.userId)], decoded.signer);
    const prev = book.stateOf(id) ?? null;
    let r = applyChannelChange(prev, payload, directory.trust.view(now));
    // Added at a later epoch (no previous state) or changes missed: judge the whole chain instead.
    if (r.kind === 'rejected' && decoded.epoch > (prev ? prev.epoch + 1 : 0)) r = await this.verifiedChain(decoded.channelId, prev, payload);
    if (r.kind === 'rejected') throw new ApiError('CONFLICT', { detail: r.reason });
    // Later items of the same batch (the new epoch's sender keys and messages) must see it.
    book.stage(id, r.state, r.rotateSenderKeys);
    return { type: 'channel', state: r.state, rotate: r.rotateSenderKeys };
  }

  committed(v: ReceivedOf<'channel'>): void {
    const id = hex(v.state.channelId);
    if (v.rotate) this.d.book.saveRotation(id, v.state.epoch);
    this.d.accept(v.state);
    this.d.book.unstage(id, v.state);
  }

  /**
   * The channel's whole chain from the relay, judged by `verifyChannelChain`: how a device added at
   * a later epoch, or that missed changes, learns the state without trusting the relay.
   */
  private async verifiedChain(channelId: Uint8Array, prev: ChannelState | null, pushed: Uint8Array): Promise<ReturnType<typeof verifyChannelChain>> {
    const { directory } = this.d;
    const relay = this.d.authenticated();
    if (!relay) return { kind: 'rejected', reason: 'invalid-creation' };
    const { changes } = await relay.request({ case: 'fetchChannelState', value: { channelId } }, 'channelState');
    const decoded = changes.flatMap((c) => {
      try {
        return [decodeChannelState(c)];
      } catch {
        return [];
      }
    });
    const users = new Set(decoded.flatMap((c) => [c.signer.userId, ...c.members.map((m) => m.userId)]));
    for (const c of decoded) await directory.knowAll([...users], c.signer);
    // It must extend what this device holds and end at the pushed record (no fork, no rollback).
    const now = this.c.clock.now();
    return verifyChannelChain(changes, { channelId, held: prev, pushed, now: directory.trust.view(now), ever: directory.trust.everIssued(now) });
  }
}
