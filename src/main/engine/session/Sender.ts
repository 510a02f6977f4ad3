/**
 * Sending: a message is stored with its outbox row and delivery record in one transaction (kept
 * channels) or in memory (off-the-record), then the outbox sends it when connected — encrypted at
 * that moment under my sender key for the channel's epoch, after that key went to every member
 * device that can be reached.
 */
import { encodeContent, encodeEnvelope, orderedId, type ChannelCipher, type ChannelState, type DeviceRef } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import type { StoredMessage } from '../../../storage/index.ts';
import type { ApiInput } from '../../../shared/api/methods.ts';
import type { DeliveryBook } from '../DeliveryBook.ts';
import { ApiError, retryLater, toApiError } from '../errors.ts';
import { MemoryOutboxStore, Outbox, type OutboxEntry, type OutboxStore } from '../Outbox.ts';
import type { Peers } from '../Peers.ts';
import { checkSend, keepsOnDisk, lifetimeExpiry } from '../policyRules.ts';
import { isUnreachable, Reachability } from '../Reachability.ts';
import { channelView, hex } from '../views.ts';
import type { ChannelBook } from './ChannelBook.ts';
import type { Directory } from './Directory.ts';
import { checkContentFits } from '../checkContentFits.ts';
import { distributionIdOf } from './distributionId.ts';
import type { MemoryMessageStore } from '../../../storage/index.ts';
import { meView, type SessionContext } from './SessionContext.ts';

type Devices = { userId: string; deviceId: string }[];

export interface SenderDeps {
  book: ChannelBook;
  directory: Directory;
  peers: Peers;
  channelCipher: ChannelCipher;
  deliveries: DeliveryBook;
  otr: MemoryMessageStore;
  relay: () => RelayClient | null;
  /** The delivery state of one of my messages changed. */
  updated: (channelId: string, messageId: string) => void;
  /** A message of mine expires at `at`. */
  expires: (messageId: string, channelId: string, at: number) => void;
  /** Resolves when the channel may be sent to: a new epoch called for by a revocation has come (or waiting is over). */
  beforeSend?: (channelId: string) => Promise<void>;
}

export class Sender {
  /** Off-the-record messages waiting to go out (memory only). */
  readonly otrOutbox = new MemoryOutboxStore();
  private readonly outbox: Outbox;
  private readonly otrSender: Outbox;
  private readonly reachability = new Reachability();
  /** `${channel}:${epoch}:${user}.${device}`: my sender key went to that device. */
  private readonly distributed = new Set<string>();
  private readonly distributions = new Map<string, Awaited<ReturnType<ChannelCipher['distribution']>>>();

  constructor(
    private readonly c: SessionContext,
    private readonly d: SenderDeps,
  ) {
    const transport = (entry: OutboxEntry) => this.transmit(entry);
    const events = {
      sent: (entry: OutboxEntry, devices: Devices) => {
        d.deliveries.sent(entry.messageId, devices);
        d.updated(entry.channelId, entry.messageId);
      },
      failed: (entry: OutboxEntry, e: unknown) => {
        c.log.warn({ err: toApiError(e).toLog() }, 'message refused by the relay');
        d.deliveries.failed(entry.messageId);
        d.updated(entry.channelId, entry.messageId);
      },
    };
    this.outbox = new Outbox(this.diskOutbox(), transport, events);
    this.otrSender = new Outbox(this.otrOutbox, transport, events);
  }

  setConnected(up: boolean): void {
    this.outbox.setConnected(up);
    this.otrSender.setConnected(up);
  }

  get idle(): Promise<void> {
    return Promise.all([this.outbox.flush(), this.otrSender.flush()]).then(() => undefined);
  }

  /** Stores my message and queues it; returns it as stored. */
  send(input: ApiInput<'send'>): StoredMessage {
    const { book, deliveries, otr } = this.d;
    const { me, clock, store } = this.c;
    const e = book.live(input.channelId);
    const now = clock.now();
    checkSend(channelView(e.state, e.pausedReason), meView(me), now, input.attachments?.length ?? 0);
    if (input.attachments?.length) throw new ApiError('POLICY_REFUSED', { detail: 'attachments are not supported yet' });
    // Time-ordered: stored on every member device, where it keys an index.
    const messageId = orderedId(now);
    const id = hex(messageId);
    const content = encodeContent({
      body: { case: 'data', value: { messageId, channelId: e.state.channelId, sentAtMs: BigInt(now), kind: { case: 'text', value: { body: input.text } } } },
    });
    checkContentFits(content);
    const message: StoredMessage = {
      id,
      channelId: input.channelId,
      sender: `${me.userId}.${me.deviceId}`,
      sentAt: now,
      receivedAt: now,
      expiresAt: lifetimeExpiry(e.state.policy, now),
      text: input.text,
    };
    const entry = { channelId: input.channelId, messageId: id, content, createdAt: now };
    if (keepsOnDisk(e.state.policy)) {
      // The message, its outbox row and its delivery record land together: nothing is "sent" that is not also kept.
      store.transaction((r) => {
        r.messages.insert(message);
        r.outbox.enqueue(entry.channelId, entry.content, entry.messageId, now);
        deliveries.own(id, input.channelId);
      });
      void this.outbox.flush();
    } else {
      deliveries.own(id, input.channelId);
      otr.insert(message);
      this.otrSender.enqueue(entry);
    }
    if (message.expiresAt !== null) this.d.expires(id, input.channelId, message.expiresAt);
    return message;
  }

  private diskOutbox(): OutboxStore {
    const repo = this.c.store.repos.outbox;
    return {
      add: (e) => repo.enqueue(e.channelId, e.content, e.messageId, e.createdAt),
      pending: (limit) =>
        repo.due(Number.MAX_SAFE_INTEGER, limit).map((i) => ({ seq: i.id, channelId: i.channelId, messageId: i.messageId ?? '', content: i.payload, createdAt: i.createdAt, attempts: i.attempts })),
      remove: (seq) => repo.remove(seq),
      bumpAttempts: (seq) => repo.retryLater(seq, 0),
      removeChannel: (c) => repo.removeChannel(c),
    };
  }

  private async transmit(entry: OutboxEntry): Promise<{ devices: Devices }> {
    const relay = this.d.relay();
    if (!relay) throw new ApiError('OFFLINE', { transient: true });
    // Never under the old sender key once a revocation calls for a new epoch.
    await this.d.beforeSend?.(entry.channelId);
    const ch = this.d.book.get(entry.channelId);
    if (!ch || ch.state.status === 'wiped') throw new ApiError('CHANNEL_WIPED');
    const channelId = ch.state.channelId;
    const epoch = ch.state.epoch;
    try {
      const { targets, unreachable } = await this.distributeSenderKey(relay, ch.state);
      if (unreachable.length > 0) {
        this.d.deliveries.unreachable(entry.messageId, unreachable.map((t) => ({ userId: t.userId, deviceId: String(t.deviceId) })));
      }
      const ciphertext = await this.d.channelCipher.encrypt(channelId, epoch, entry.content);
      const envelope = encodeEnvelope({ channelId, sender: this.c.meRef, type: 'sender-key', ciphertext, sentAtMs: this.c.clock.now(), expiresAtMs: 0 });
      await relay.request({ case: 'send', value: { envelope } }, 'sent');
      return { devices: targets.map((t) => ({ userId: t.userId, deviceId: String(t.deviceId) })) };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'RELAY_UNAVAILABLE') throw retryLater(e);
      if (code === 'RATE_LIMITED') throw retryLater(e, 250);
      throw e;
    }
  }

  /**
   * A device new to a channel makes itself known: its sender key goes to every member device, whose
   * engines thereby learn of it and give it theirs on their next send.
   */
  async announce(relay: RelayClient, channelId: string): Promise<void> {
    const ch = this.d.book.get(channelId);
    if (!ch || ch.state.status === 'wiped') return;
    await this.distributeSenderKey(relay, ch.state);
  }

  /**
   * Sends my sender key for the channel's epoch to every member device that does not have it yet.
   * Devices that cannot be reached (no prekeys, no device at all: device id 0) are returned apart.
   */
  private async distributeSenderKey(relay: RelayClient, state: ChannelState): Promise<{ targets: DeviceRef[]; unreachable: DeviceRef[] }> {
    const { peers, directory, channelCipher } = this.d;
    const me = this.c.me.userId;
    const id = hex(state.channelId);
    const targets: DeviceRef[] = [];
    const unreachable: DeviceRef[] = [];
    const now = this.c.clock.now();
    // Another send may be looking already: its answer is the one to judge by.
    await directory.looking;
    const deviceless = state.members.filter((m) => m.userId !== me && peers.devicesOf(m.userId).length === 0).map((m) => m.userId);
    await directory.freshForSend(relay, deviceless, now);
    // Created on first use; encrypting needs it even when no other device is there yet.
    const distKey = `${id}:${state.epoch}`;
    let dist = this.distributions.get(distKey);
    if (!dist) {
      dist = await channelCipher.distribution(state.channelId, state.epoch);
      this.distributions.set(distKey, dist);
      this.c.store.protocol.senderKey.bindDistribution(distributionIdOf(dist.distributionId), id);
    }
    for (const m of state.members) {
      const devices = peers.devicesOf(m.userId);
      if (devices.length === 0 && m.userId !== me) unreachable.push({ userId: m.userId, deviceId: 0 });
      for (const dv of devices) {
        const done = `${id}:${state.epoch}:${dv.userId}.${dv.deviceId}`;
        const device = `${dv.userId}/${dv.deviceId}`;
        if (this.distributed.has(done)) {
          targets.push(dv);
          continue;
        }
        if (!this.reachability.shouldTry(device, now)) {
          unreachable.push(dv);
          continue;
        }
        try {
          await peers.send(relay, dv, state.channelId, { body: { case: 'senderKeyDistribution', value: dist } });
        } catch (e) {
          if (!isUnreachable(e)) throw e;
          this.reachability.failed(device, now);
          unreachable.push(dv);
          this.c.log.info({ err: toApiError(e).toLog() }, 'member device unreachable; the message goes to the others');
          continue;
        }
        this.reachability.reached(device);
        this.distributed.add(done);
        targets.push(dv);
      }
    }
    return { targets, unreachable };
  }
}
