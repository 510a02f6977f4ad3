/**
 * Channel messages with sender keys (DESIGN.md §5). Each (channel, epoch) has its own libsignal
 * distribution id, so a state change that removes a member starts fresh sender keys that are
 * distributed, over 1:1 sessions, only to the devices still in the channel.
 */
import { createHash } from 'node:crypto';
import {
  ProtocolAddress,
  SenderKeyDistributionMessage,
  SenderKeyMessage,
  groupDecrypt,
  groupEncrypt,
  processSenderKeyDistributionMessage,
  type SenderKeyStore,
} from '@signalapp/libsignal-client';
import { create } from '@bufbuild/protobuf';
import { SenderKeyDistributionSchema, type SenderKeyDistribution } from '../gen/valise/v1/content_pb.ts';
import { bytesEqual, type ChannelState, type DeviceRef } from './ChannelState.ts';
import { LIMITS } from './codec.ts';
import { CodecError, CryptoUsageError, DecryptionError } from './errors.ts';
import { fromLibsignal } from './libsignalErrors.ts';
import { copy } from './signing.ts';

/** The libsignal distribution id (a UUID string) of a channel at an epoch. */
export function distributionId(channelId: Uint8Array, epoch: number): string {
  const h = createHash('sha256').update('valise/v1/distribution').update(channelId).update(String(epoch)).digest();
  // Shape it as a version-4 UUID (libsignal accepts any UUID; this keeps the format regular).
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function uuidBytes(uuid: string): Uint8Array {
  return Uint8Array.from(Buffer.from(uuid.replaceAll('-', ''), 'hex'));
}

/** What the membership checks need of a channel state. */
export type ChannelMembership = Pick<ChannelState, 'channelId' | 'epoch' | 'members' | 'status'>;

function isMember(state: ChannelMembership, sender: DeviceRef): boolean {
  return state.status !== 'wiped' && state.members.some((m) => m.userId === sender.userId);
}

/** The epochs whose keys a member's message may use: the current one, and the previous one while accepted. */
function acceptedEpochs(state: ChannelMembership, acceptPrevious: boolean): number[] {
  return acceptPrevious && state.epoch > 0 ? [state.epoch, state.epoch - 1] : [state.epoch];
}

function requireMember(state: ChannelMembership, sender: DeviceRef): void {
  if (!isMember(state, sender)) {
    throw new CryptoUsageError('NOT_A_MEMBER', 'A channel message came from someone who is not a member of the channel. It was ignored.');
  }
}

/** The libsignal distribution id a sender-key message names (checked against the channel before use). */
function messageDistributionId(ciphertext: Uint8Array): string {
  if (ciphertext.length > LIMITS.envelope) throw new CodecError('channel message', 'too large');
  try {
    return String(SenderKeyMessage.deserialize(copy(ciphertext)).distributionId());
  } catch (e) {
    throw new DecryptionError('corrupt', { cause: e });
  }
}

export class ChannelCipher {
  private readonly addresses = new Map<string, ProtocolAddress>();
  private readonly ids = new Map<string, string>();
  readonly localAddress: ProtocolAddress;

  constructor(private readonly store: SenderKeyStore, local: DeviceRef) {
    this.localAddress = ProtocolAddress.new(local.userId, local.deviceId);
  }

  /**
   * This device's sender key for (channel, epoch), as a SenderKeyDistribution to put in a Content
   * and send over the 1:1 session to each member device. Creates the key on first use.
   */
  async distribution(channelId: Uint8Array, epoch: number): Promise<SenderKeyDistribution> {
    const id = distributionId(channelId, epoch);
    try {
      const skdm = await SenderKeyDistributionMessage.create(this.localAddress, id, this.store);
      return create(SenderKeyDistributionSchema, { channelId, epoch: BigInt(epoch), distributionId: uuidBytes(id), message: skdm.serialize() });
    } catch (e) {
      throw fromLibsignal(e, this.localAddress.toString());
    }
  }

  /**
   * Stores a sender's key received over an authenticated 1:1 session. The caller must pass the
   * channel's current epoch: a distribution for any other (channel, epoch) is refused.
   */
  async processDistribution(sender: DeviceRef, d: SenderKeyDistribution, channelId: Uint8Array, epoch: number): Promise<void> {
    const what = 'sender key distribution';
    const expected = distributionId(channelId, epoch);
    if (!bytesEqual(d.channelId, channelId) || d.epoch !== BigInt(epoch) || !bytesEqual(d.distributionId, uuidBytes(expected))) {
      throw new CodecError(what, 'for another channel or epoch');
    }
    let skdm: SenderKeyDistributionMessage;
    try {
      skdm = SenderKeyDistributionMessage.deserialize(copy(d.message));
    } catch (e) {
      throw new CodecError(what, 'malformed', { cause: e });
    }
    if (String(skdm.distributionId()) !== expected) throw new CodecError(what, 'distribution id mismatch');
    const address = this.address(sender);
    try {
      await processSenderKeyDistributionMessage(address, skdm, this.store);
    } catch (e) {
      throw fromLibsignal(e, address.toString());
    }
  }

  /**
   * `processDistribution` for a known state: refused unless the sender is a member of `state`
   * (a removed member must not be able to hand out a key for the new epoch) and the channel is not
   * wiped. Prefer this over `processDistribution`.
   */
  async processMemberDistribution(sender: DeviceRef, d: SenderKeyDistribution, state: ChannelMembership): Promise<void> {
    requireMember(state, sender);
    await this.processDistribution(sender, d, state.channelId, state.epoch);
  }

  /**
   * `decrypt` for a known state: the sender must be a member of the current state, and the
   * message must be under the current epoch's key, or the previous epoch's while
   * `acceptPrevious` (messages in flight across a change that removed no one). Prefer this over
   * `decrypt`: a removed member keeps its old sender key and could otherwise still post.
   */
  async decryptFromMember(sender: DeviceRef, state: ChannelMembership, ciphertext: Uint8Array, acceptPrevious = false): Promise<Uint8Array> {
    requireMember(state, sender);
    return this.decrypt(sender, state.channelId, acceptedEpochs(state, acceptPrevious), ciphertext);
  }

  async encrypt(channelId: Uint8Array, epoch: number, plaintext: Uint8Array): Promise<Uint8Array> {
    try {
      const msg = await groupEncrypt(this.localAddress, this.idFor(channelId, epoch), this.store, copy(plaintext));
      return msg.serialize();
    } catch (e) {
      throw fromLibsignal(e, this.localAddress.toString());
    }
  }

  /**
   * Decrypts a channel message from `sender`, accepting only the channel's given epochs (normally
   * the current one, plus the previous one briefly for messages in flight when no one was removed).
   */
  async decrypt(sender: DeviceRef, channelId: Uint8Array, epochs: readonly number[], ciphertext: Uint8Array): Promise<Uint8Array> {
    const id = messageDistributionId(ciphertext);
    if (!epochs.some((ep) => this.idFor(channelId, ep) === id)) throw new DecryptionError('no-sender-key');
    const address = this.address(sender);
    try {
      return await groupDecrypt(address, this.store, copy(ciphertext));
    } catch (e) {
      throw fromLibsignal(e, address.toString());
    }
  }

  /**
   * The distributions a message from `sender` may name in `state` (none unless a member): the
   * records a worker needs to decrypt it (GroupDecryptWorker).
   */
  memberDistributions(sender: DeviceRef, state: ChannelMembership, acceptPrevious = false): string[] {
    return isMember(state, sender) ? acceptedEpochs(state, acceptPrevious).map((ep) => this.idFor(state.channelId, ep)) : [];
  }

  /**
   * The checks of `decryptFromMember` for a message opened elsewhere (GroupDecryptWorker) under
   * `distributionId`: throws exactly what `decryptFromMember` would have thrown before decrypting.
   */
  checkFromMember(sender: DeviceRef, state: ChannelMembership, distributionId: string, acceptPrevious = false): void {
    requireMember(state, sender);
    if (!this.memberDistributions(sender, state, acceptPrevious).includes(distributionId)) throw new DecryptionError('no-sender-key');
  }

  /** distributionId, remembered for the last few (channel, epoch) pairs: it is on every message. */
  private idFor(channelId: Uint8Array, epoch: number): string {
    const key = `${Buffer.from(channelId.buffer, channelId.byteOffset, channelId.byteLength).toString('latin1')}/${epoch}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = distributionId(channelId, epoch);
      if (this.ids.size >= 256) this.ids.clear();
      this.ids.set(key, id);
    }
    return id;
  }

  /** The libsignal address of a device (remembered: it is needed for every message). */
  address(d: DeviceRef): ProtocolAddress {
    const key = `${d.userId}.${d.deviceId}`;
    let a = this.addresses.get(key);
    if (!a) {
      a = ProtocolAddress.new(d.userId, d.deviceId);
      this.addresses.set(key, a);
    }
    return a;
  }
}
