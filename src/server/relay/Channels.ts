/**
 * Channels on the relay: every signed state change judged by the crypto layer's
 * `applyChannelChange` against the relay's trust view, fanned out to old and new members; the
 * chain served to members and officers; wipes and their tombstones.
 */
import { RelayError } from '../errors.ts';
import type { DeviceAddress } from '../store/RelayStore.ts';
import type { ChannelView } from '../trust/RelayTrust.ts';
import { digest, type Directory } from './Directory.ts';
import type { FanOut } from './FanOut.ts';
import { actorOf, hex, sameDevice, type RelayContext } from './RelayContext.ts';

const unknownChannel = (): RelayError => new RelayError('CHANNEL_UNKNOWN', 'The relay knows no such channel. Publish its state first.');

export class Channels {
  private readonly views = new Map<string, ChannelView>();
  /** The signed record behind each view (what ListChannels returns). */
  private readonly states = new Map<string, Uint8Array>();
  /** Every user a channel's state has ever listed: who may still read its chain. */
  private readonly everMembers = new Map<string, Set<string>>();
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
      const rec = await store.getChannel(id);
      let view: ChannelView | undefined;
      // A change that no longer verifies today (e.g. its signer was revoked since) ends the replay.
      for (const change of rec?.changes ?? []) {
        try {
          view = trust.applyChannelChange(view, change, this.ctx.now());
        } catch {
          break;
        }
        this.note(view, change);
      }
    }
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
    const { trust } = this.ctx;
    const probe = trust.applyChannelChange(this.views.get(hex(trust.channelIdOf(change))), change, this.ctx.now());
    const k = hex(probe.channelId);
    if (this.wiped.has(k)) throw new RelayError('CHANNEL_WIPED', 'This channel was wiped; create a new one.');
    const prev = this.views.get(k);
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
    await this.fanOut.place(to.filter((d) => !sameDevice(d, from)), {
      id: digest(change), kind: 'channel-change', channelId: probe.channelId, payload: change, expiresMs: this.ctx.now() + this.ctx.limits.maxQueueAgeMs,
    });
  }

  private note(view: ChannelView, change: Uint8Array): void {
    const k = hex(view.channelId);
    this.views.set(k, view);
    this.states.set(k, change);
    const ever = this.everMembers.get(k) ?? new Set<string>();
    for (const u of view.memberUserIds) ever.add(u);
    this.everMembers.set(k, ever);
  }

  /**
   * The chain of a channel, for a device whose user is or was a member (a removed member still
   * verifies the change that removed it) or for a security officer (who may pause or wipe any
   * channel). Anyone else learns nothing, not even that the channel exists.
   */
  async chain(from: DeviceAddress, channelId: Uint8Array): Promise<Uint8Array[]> {
    this.current(channelId);
    if (!this.everMembers.get(hex(channelId))?.has(from.userId) && !(await this.directory.isSecurityOfficer(from.userId))) throw unknownChannel();
    return (await this.ctx.store.getChannel(channelId))?.changes ?? [];
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
    const ch = this.current(this.ctx.trust.wipeChannelIdOf(wipe));
    this.ctx.trust.verifyWipe(ch, wipe, this.ctx.now());
    const dropped = await this.drop(ch.channelId);
    const to = await this.directory.liveDevicesOfAll(ch.memberUserIds);
    await this.fanOut.place(to.filter((d) => !sameDevice(d, from)), {
      id: digest(wipe), kind: 'wipe', channelId: ch.channelId, payload: wipe, expiresMs: this.ctx.now() + this.ctx.limits.maxQueueAgeMs,
    });
    await this.ctx.audit('channel.wiped', actorOf(from), hex(ch.channelId), `${dropped} queued items dropped, ${to.length} devices`);
    return to.length;
  }

  private async drop(channelId: Uint8Array): Promise<number> {
    const k = hex(channelId);
    this.wiped.add(k);
    this.views.delete(k);
    this.states.delete(k);
    return this.ctx.store.wipeChannel(channelId);
  }
}
