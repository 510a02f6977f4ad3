/**
 * Routing of end-to-end encrypted envelopes: a channel envelope goes to every sanctioned device
 * of every member but the sender's, a direct one to the device it names; the relay reads only
 * the routing fields.
 */
import { RelayError } from '../../relay/errors.ts';
import type { DeviceAddress, QueueItem } from '../store/RelayStore.ts';
import type { ChannelView, EnvelopeRouting } from '../trust/RelayTrust.ts';
import type { Channels } from './Channels.ts';
import type { Directory } from './Directory.ts';
import type { FanOut } from './FanOut.ts';
import { hex } from '../../base/hex.ts';
import { actorOf, sameDevice, type RelayContext } from './RelayContext.ts';

export class EnvelopeRouter {
  constructor(
    private readonly ctx: RelayContext,
    private readonly directory: Directory,
    private readonly channels: Channels,
    private readonly fanOut: FanOut,
  ) {}

  /** Queues the envelope for its recipients; returns how many devices it was placed for. */
  async send(from: DeviceAddress, envelopeBytes: Uint8Array): Promise<number> {
    const env = this.ctx.trust.readEnvelope(envelopeBytes);
    try {
      return await this.route(from, env, envelopeBytes);
    } catch (e) {
      // A send into a channel by, or to, someone who is not in it is recorded; other refusals are routine.
      if (e instanceof RelayError && (e.code === 'NOT_A_MEMBER' || e.code === 'FORBIDDEN')) await this.ctx.refused('send.refused', actorOf(from), hex(env.channelId), e);
      throw e;
    }
  }

  private async route(from: DeviceAddress, env: EnvelopeRouting, envelopeBytes: Uint8Array): Promise<number> {
    if (!sameDevice(env.sender, from)) throw new RelayError('FORBIDDEN', 'The envelope names another sender than this device.');
    const directTo = async (r: DeviceAddress) => (await this.directory.liveDevicesOf(r.userId)).filter((d) => d.deviceId === r.deviceId);
    let targets: DeviceAddress[];
    let lifetime = 0;
    if (env.channelId.length > 0) {
      const ch = this.channels.current(env.channelId);
      requireSendable(ch, from.userId);
      lifetime = ch.messageLifetimeMs;
      if (env.recipient) {
        if (!ch.memberUserIds.includes(env.recipient.userId)) throw new RelayError('NOT_A_MEMBER', 'The recipient is not a member of this channel.');
        targets = await directTo(env.recipient);
      } else {
        targets = await this.directory.liveDevicesOfAll(ch.memberUserIds);
      }
    } else {
      if (!env.recipient) throw new RelayError('BAD_REQUEST', 'An envelope needs a channel or a recipient.');
      targets = await directTo(env.recipient);
    }
    targets = targets.filter((d) => !sameDevice(d, from));
    if (targets.length === 0) {
      // A channel fan-out with nobody else enrolled yet (a lead alone in a new channel) is taken: it
      // reaches no one, as the answer of 0 recipients says. A 1:1 envelope needs its device.
      if (env.channelId.length > 0 && !env.recipient) return 0;
      throw new RelayError('UNKNOWN_USER', 'No sanctioned device to deliver this envelope to.');
    }
    const now = this.ctx.now();
    let expires = now + this.ctx.limits.maxQueueAgeMs;
    if (env.expiresAtMs > 0) expires = Math.min(expires, env.expiresAtMs);
    if (lifetime > 0) expires = Math.min(expires, now + lifetime);
    const item: QueueItem = { id: env.id, kind: 'envelope', channelId: env.channelId, payload: envelopeBytes, expiresMs: expires, sentAtMs: env.sentAtMs, sender: actorOf(from) };
    const r = await this.fanOut.place(targets, item, expires);
    if (r.duplicate) return 0;
    if (r.full.length > 0) {
      throw new RelayError('QUEUE_FULL', `The queue of ${r.full.length} recipient device(s) is full; they have been offline too long. The others received it.`);
    }
    return r.placed;
  }
}

function requireSendable(ch: ChannelView, userId: string): void {
  if (!ch.memberUserIds.includes(userId)) throw new RelayError('NOT_A_MEMBER', 'You are not a member of this channel.');
  if (ch.status === 'paused') throw new RelayError('CHANNEL_PAUSED', 'This channel is paused; nobody can send until a lead resumes it.');
}
