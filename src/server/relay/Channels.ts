/**
 * Channels on the relay: every signed state change judged by the crypto layer's
 * `applyChannelChange` against the relay's trust view when it arrives, fanned out to old and new
 * members; the chain served to members, former members (up to their removal) and officers;
 * wipes and their tombstones. What was accepted stays accepted: after a restart the relay reads
 * its stored heads back instead of judging old records against today's revocations.
 */
import { RelayError } from '../../relay/errors.ts';
import type { DeviceAddress } from '../store/RelayStore.ts';
import type { ChannelView } from '../trust/RelayTrust.ts';
import { digest, type Directory } from './Directory.ts';
import { FanOut } from './FanOut.ts';
import { hex } from '../../base/hex.ts';
import { actorOf, sameDevice, type RelayContext } from './RelayContext.ts';

const unknownChannel = (): RelayError => new RelayError('CHANNEL_UNKNOWN', 'The relay knows no such channel. Publish its state first.');
const wipedChannel = (): RelayError => new RelayError('CHANNEL_WIPED', 'This channel was wiped; create a new one.');

/** What else the relay keeps per channel (attachment blobs) and must follow its changes. */
export interface ChannelWatcher {
  channelChanged(channelId: Uint8Array): Promise<void>;
  channelWiped(channelId: Uint8Array): Promise<unknown>;
}

export class Channels {
  private readonly watchers: ChannelWatcher[] = [];
  private readonly views = new Map<string, ChannelView>();
  /** The signed record behind each view (what ListChannels returns). */
  private readonly states = new Map<string, Uint8Array>();
  /** The members of each state of a channel's chain, in order: who may read how much of it. */
  private readonly memberHistory = new Map<string, string[][]>();
  private readonly wiped = new Set<string>();

  constructor(
    private readonly ctx: RelayContext,
    private readonly directory: Directory,
    private readonly fanOut: FanOut,
  ) {}

  async init(): Promise<void> {
    const { store, trust } = this.ctx;
    for (const id of await store.listWipedChannelIds()) this.wiped.add(hex(id));
    for (const id of await store.listChannelIds()) {
      if (this.wiped.has(hex(id))) continue;
      // Every stored record was judged when it arrived; none is judged again against today's trust.
      try {
        for (const change of (await store.getChannel(id))?.changes ?? []) this.note(trust.restoreChannel(change), change);
      } catch (e) {
        // Only a damaged database gets here: the channel keeps the state read so far.
        this.ctx.log.error({ channel: hex(id), err: e instanceof Error ? e.message : 'unknown' }, 'stored channel record unreadable');
      }
    }
  }

  watch(w: ChannelWatcher): void {
    this.watchers.push(w);
  }

  /** A live channel, or CHANNEL_WIPED / CHANNEL_UNKNOWN. */
  current(channelId: Uint8Array): ChannelView {
    const k = hex(channelId);
    if (this.wiped.has(k)) throw new RelayError('CHANNEL_WIPED', 'This channel was wiped.');
    const ch = this.views.get(k);
    if (!ch) throw unknownChannel();
    if (ch.status === 'wiped') throw new RelayError('CHANNEL_WIPED', 'This channel was wiped.');
    return ch;
  }

  async publishChange(from: DeviceAddress, change: Uint8Array): Promise<void> {
    let subject = '';
    try {
      subject = hex(this.ctx.trust.channelIdOf(change));
      await this.accept(from, change);
    } catch (e) {
      await this.ctx.refused('channel.change.refused', actorOf(from), subject, e);
      throw e;
    }
  }

  private async accept(from: DeviceAddress, change: Uint8Array): Promise<void> {
    const { trust } = this.ctx;
    const id = trust.channelIdOf(change);
    const k = hex(id);
    if (this.wiped.has(k)) throw wipedChannel();
    const prev = this.views.get(k);
    // An id once used is never started over, whoever signs the new first state.
    if (!prev && (await this.ctx.store.getChannel(id))) {
      throw new RelayError('CHANNEL_CHANGE_REFUSED', 'This channel id is taken. Create the channel with a new id.');
    }
    const probe = trust.applyChannelChange(prev, change, this.ctx.now());
    await this.ctx.store.appendChannelChange(probe.channelId, change);
    this.note(probe, change);
    const event = !prev ? 'channel.created' : probe.status === 'wiped' ? 'channel.wiped'
      : probe.status === 'paused' && prev.status !== 'paused' ? 'channel.paused'
      : prev.status === 'paused' && probe.status === 'active' ? 'channel.resumed' : 'channel.changed';
    // A state that says "wiped" is a wipe too: queued envelopes go before the state is queued.
    const dropped = probe.status === 'wiped' ? await this.drop(probe.channelId) : 0;
    await this.ctx.audit(event, actorOf(from), k,
      `epoch ${probe.epoch}, ${probe.memberUserIds.length} members${probe.status === 'wiped' ? `, ${dropped} queued items dropped` : ''}`);
    const to = await this.directory.liveDevicesOfAll(new Set([...probe.memberUserIds, ...(prev?.memberUserIds ?? [])]));
    const placed = await this.fanOut.place(to.filter((d) => !sameDevice(d, from)), {
      id: digest(change), kind: 'channel-change', channelId: probe.channelId, payload: change, expiresMs: this.ctx.now() + this.ctx.limits.maxQueueAgeMs,
    });
    if (probe.status !== 'wiped') for (const w of this.watchers) await w.channelChanged(probe.channelId);
    FanOut.requireDelivered('channel change', placed);
  }

  private note(view: ChannelView, change: Uint8Array): void {
    const k = hex(view.channelId);
    this.views.set(k, view);
    this.states.set(k, change);
    const history = this.memberHistory.get(k) ?? [];
    history.push(view.memberUserIds);
    this.memberHistory.set(k, history);
  }

  /**
   * The chain of a channel: all of it for a current member or a security officer (who may pause
   * or wipe any channel); for a former member, up to and including the change that last removed
   * it (so it can verify its removal) and nothing later. Anyone else learns nothing, not even
   * that the channel exists.
   */
  async chain(from: DeviceAddress, channelId: Uint8Array): Promise<Uint8Array[]> {
    const view = this.current(channelId);
    const changes = (await this.ctx.store.getChannel(channelId))?.changes ?? [];
    if (view.memberUserIds.includes(from.userId) || (await this.directory.isSecurityOfficer(from.userId))) return changes;
    const history = this.memberHistory.get(hex(channelId)) ?? [];
    const last = history.findLastIndex((members) => members.includes(from.userId));
    if (last < 0) throw unknownChannel();
    return changes.slice(0, last + 2);
  }

  /**
   * Live channels with their current signed state: all of them for a security officer, else only
   * those whose current state lists the device's user (never FORBIDDEN: an engine may call this
   * to recover its own channels).
   */
  async list(from: DeviceAddress): Promise<{ channelId: Uint8Array; state: Uint8Array }[]> {
    const officer = await this.directory.isSecurityOfficer(from.userId);
    const out = [];
    for (const [k, view] of this.views) {
      if (view.status === 'wiped' || (!officer && !view.memberUserIds.includes(from.userId))) continue;
      out.push({ channelId: view.channelId, state: this.states.get(k)! });
    }
    return out;
  }

  async wipe(from: DeviceAddress, wipe: Uint8Array): Promise<number> {
    let subject = '';
    let ch: ChannelView;
    try {
      const id = this.ctx.trust.wipeChannelIdOf(wipe);
      subject = hex(id);
      ch = this.current(id);
      this.ctx.trust.verifyWipe(ch, wipe, this.ctx.now());
    } catch (e) {
      await this.ctx.refused('channel.wipe.refused', actorOf(from), subject, e);
      throw e;
    }
    const dropped = await this.drop(ch.channelId);
    const to = await this.directory.liveDevicesOfAll(ch.memberUserIds);
    const placed = await this.fanOut.place(to.filter((d) => !sameDevice(d, from)), {
      id: digest(wipe), kind: 'wipe', channelId: ch.channelId, payload: wipe, expiresMs: this.ctx.now() + this.ctx.limits.maxQueueAgeMs,
    });
    await this.ctx.audit('channel.wiped', actorOf(from), subject, `${dropped} queued items dropped, ${to.length} devices${placed.full.length ? `, ${placed.full.length} queues full` : ''}`);
    FanOut.requireDelivered('wipe', placed);
    return to.length;
  }

  private async drop(channelId: Uint8Array): Promise<number> {
    const k = hex(channelId);
    this.wiped.add(k);
    this.views.delete(k);
    this.states.delete(k);
    this.memberHistory.delete(k);
    for (const w of this.watchers) await w.channelWiped(channelId);
    return this.ctx.store.wipeChannel(channelId);
  }
}
