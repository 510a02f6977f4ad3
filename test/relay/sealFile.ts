/** A file encrypted for one message of a channel with the crypto layer's scheme, as a sending device does it. */
import { randomBytes } from 'node:crypto';
import { hex } from '../../src/base/hex.ts';
import { AttachmentEncryptor, type AttachmentBinding } from '../../src/crypto/index.ts';

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of source) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

export async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

export async function sealFile(channelId: Uint8Array, file: Buffer) {
  const binding: AttachmentBinding = { channelId: hex(channelId), messageId: hex(randomBytes(16)), index: 0 };
  const enc = new AttachmentEncryptor(binding);
  const blob = await collect(enc.encrypt(once(file)));
  return { binding, blob, descriptor: enc.descriptor };
}
