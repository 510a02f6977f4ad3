/**
 * Channels this device should hold but does not: a device enrolled after a channel was created (or
 * offline when the change that added its user expired from the relay's queue) never had that change
 * pushed. On connecting, the engine asks the relay which live channels list its user and takes each
 * it lacks as a channel-change delivery of the current state: the receive path then verifies the
 * whole chain from the creation (the relay is not trusted for any of it) and stores the channel.
 */
import { createHash } from 'node:crypto';
import { decodeChannelState } from '../../../crypto/index.ts';
import type { ChannelListing } from '../../../relay/RelayClient.ts';
import type { Delivery } from '../ReceivePipeline.ts';
import { hex } from '../views.ts';

/**
 * The deliveries to take for listed channels this device does not know. The id is the one the relay
 * gives the same change in a queue (its digest), so a push of it later is a no-op.
 */
export function missedChannels(listings: readonly ChannelListing[], known: (channelId: string) => boolean, myUserId: string): Delivery[] {
  const out: Delivery[] = [];
  for (const l of listings) {
    if (known(hex(l.channelId))) continue;
    let listsMe = false;
    try {
      const s = decodeChannelState(l.state);
      // The listing's id must be the state's own; a security officer is listed every channel.
      listsMe = hex(s.channelId) === hex(l.channelId) && s.members.some((m) => m.userId === myUserId);
    } catch {
      continue;
    }
    if (!listsMe) continue;
    out.push({ id: hex(createHash('sha256').update(l.state).digest().subarray(0, 16)), kind: 'channelChange', payload: l.state });
  }
  return out;
}
