/**
 * A channel message (a sender-key envelope): opened with the worker's answer when one decrypted it
 * ahead, else here; only from members of the current state. Once committed it is shown, its
 * lifetime tracked and a "delivered" receipt queued.
 */
import { decodeContent, type ChannelCipher, type ChannelState, type DeviceRef, type DecodedEnvelope } from '../../../../crypto/index.ts';
import type { StoredMessage, UnitOfWork } from '../../../../storage/index.ts';
import type { MessageView } from '../../../../shared/api/schemas.ts';
import type { DecryptAhead } from '../../DecryptAhead.ts';
import { keepsOnDisk, lifetimeExpiry, shownSentAt } from '../../policyRules.ts';
import { hex } from '../../views.ts';
import type { ChannelBook } from '../ChannelBook.ts';
import type { SessionContext } from '../SessionContext.ts';
import type { ReceivedOf } from './events.ts';

export interface ChannelMessageDeps {
  book: ChannelBook;
  ahead: Pick<DecryptAhead, 'take' | 'openedHere'>;
  /** The session's own cipher (checks a worker's answer against the profile's records). */
  channelCipher: Pick<ChannelCipher, 'checkFromMember' | 'address'>;
  /** A cipher over the unit of work's stores. */
  cipherFor: (uow: UnitOfWork) => Pick<ChannelCipher, 'decryptFromMember'>;
  /** Off-the-record messages are kept in memory only. */
  keepInMemory: (m: StoredMessage) => void;
  expires: (messageId: string, channelId: string, at: number) => void;
  view: (m: StoredMessage) => MessageView;
  deliveredReceipt: (channelId: string, sender: string, messageId: string) => void;
}

export class ChannelMessageHandler {
  constructor(
    private readonly c: SessionContext,
    private readonly d: ChannelMessageDeps,
  ) {}

  async open(uow: UnitOfWork, deliveryId: string, env: DecodedEnvelope, now: number, relayTimeMs?: number): Promise<ReceivedOf<'message'> | null> {
    const id = hex(env.channelId);
    const state = this.d.book.stateOf(id);
    if (!state || state.status === 'wiped') return null;
    const content = decodeContent(await this.openChannelMessage(uow, deliveryId, env.sender, state, env.ciphertext));
    if (content.body.case !== 'data') return null;
    const data = content.body.value;
    if (data.kind.case !== 'text') return null;
    // The sender's clock is its own: the time shown is never later than receipt plus the allowed
    // skew nor earlier than the relay's receipt minus it, and the lifetime runs from this device's
    // receipt, so no sender stretches or cuts it, nor backdates a statement.
    const sentAt = shownSentAt(Number(data.sentAtMs), now, relayTimeMs);
    const message: StoredMessage = {
      id: hex(data.messageId),
      channelId: id,
      sender: `${env.sender.userId}.${env.sender.deviceId}`,
      sentAt,
      receivedAt: now,
      expiresAt: lifetimeExpiry(state.policy, now),
      text: data.kind.value.body,
    };
    return { type: 'message', channelId: id, message, disk: keepsOnDisk(state.policy) };
  }

  committed(v: ReceivedOf<'message'>): void {
    if (!v.disk) this.d.keepInMemory(v.message);
    if (v.message.expiresAt !== null) this.d.expires(v.message.id, v.channelId, v.message.expiresAt);
    this.c.emit({ type: 'messageReceived', message: this.d.view(v.message) });
    this.d.deliveredReceipt(v.channelId, v.message.sender, v.message.id);
  }

  /**
   * A channel message's plaintext: the worker's (checked like any other, its record staged with the
   * message) or, without one, decrypted here through the unit of work's stores. Only members of the
   * current state: a removed member still holds its old sender key.
   */
  private async openChannelMessage(uow: UnitOfWork, deliveryId: string, sender: DeviceRef, state: ChannelState, ciphertext: Uint8Array): Promise<Uint8Array> {
    const { ahead, channelCipher } = this.d;
    const acceptPrevious = this.d.book.acceptsPrevious(hex(state.channelId), state);
    const answer = ahead.take(deliveryId);
    const opened = answer ? await answer : null;
    if (opened) {
      const distribution = opened.distributionId;
      try {
        channelCipher.checkFromMember(sender, state, distribution, acceptPrevious);
      } catch (e) {
        // Refused: the worker's record went past a message this device does not take.
        ahead.openedHere();
        throw e;
      }
      uow.protocol.senderKey.saveRecordBytes(channelCipher.address(sender), distribution, opened.record);
      return opened.plaintext;
    }
    ahead.openedHere();
    return this.d.cipherFor(uow).decryptFromMember(sender, state, ciphertext, acceptPrevious);
  }
}
