/**
 * 16-byte identifiers that sort by creation time: 48 bits of milliseconds since the epoch, big
 * endian, then 80 random bits (the layout of a version-7 UUID, without its version bits). Envelope
 * and message ids become keys of B-tree indexes on every device (dedupe markers, message lookup);
 * ids made at about the same time land on the same few index pages, so a batch of received
 * messages dirties, encrypts and writes a handful of pages instead of one page per message.
 * The time is no secret to anyone who sees the id: the relay sees envelopes arrive, and members see
 * each message's send time.
 */
import { randomBytes } from 'node:crypto';

export function orderedId(nowMs = Date.now()): Uint8Array {
  const id = randomBytes(16);
  id.writeUIntBE(Math.max(0, Math.min(nowMs, 2 ** 48 - 1)), 0, 6);
  return new Uint8Array(id.buffer, id.byteOffset, 16);
}
