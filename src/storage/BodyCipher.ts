/**
 * AES-256-GCM for message bodies and outbox payloads under a channel's data key (DESIGN.md §6).
 * The associated data binds the purpose, the channel id and the row's id, so a body copied to
 * another row or channel fails authentication instead of showing up in the wrong place.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { MessageUnreadable } from './errors.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export type BodyPurpose = 'message' | 'outbox';

function aad(purpose: BodyPurpose, channelId: string, id: string): Buffer {
  return Buffer.from(`valise-${purpose}-v1\0${channelId}\0${id}`, 'utf8');
}

/**
 * Random IVs drawn from a pool filled by the CSPRNG a few hundred at a time: one `randomBytes` call
 * per stored message cost more than the encryption itself during a catch-up.
 */
const ivPool = Buffer.alloc(IV_BYTES * 256);
let ivNext = ivPool.length;

function freshIv(): Buffer {
  if (ivNext + IV_BYTES > ivPool.length) {
    crypto.randomFillSync(ivPool);
    ivNext = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivNext, ivNext + IV_BYTES));
  // Each IV is handed out once: wipe it from the pool as it leaves.
  ivPool.fill(0, ivNext, ivNext + IV_BYTES);
  ivNext += IV_BYTES;
  return iv;
}

export function sealBody(key: KeyObject, purpose: BodyPurpose, channelId: string, id: string, plaintext: Uint8Array): Buffer {
  const iv = freshIv();
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad(purpose, channelId, id));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]);
}

export function openBody(key: KeyObject, purpose: BodyPurpose, channelId: string, id: string, sealed: Uint8Array): Buffer {
  try {
    const buf = Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (buf.length < IV_BYTES + TAG_BYTES) throw new Error('sealed body too short');
    const d = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
    d.setAAD(aad(purpose, channelId, id));
    d.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
    const out = d.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES));
    // GCM's final() returns no bytes; it only checks the tag.
    d.final();
    return out;
  } catch (e) {
    throw new MessageUnreadable({ cause: e });
  }
}

/** openBody for text bodies: the UTF-8 string, without handing the plaintext buffer to the caller. */
export function openBodyText(key: KeyObject, purpose: BodyPurpose, channelId: string, id: string, sealed: Uint8Array): string {
  const plain = openBody(key, purpose, channelId, id, sealed);
  const text = plain.toString('utf8');
  plain.fill(0);
  return text;
}
