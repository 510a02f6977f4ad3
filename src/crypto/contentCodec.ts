/**
 * Content: what is inside a ciphertext. Decoding checks sizes and ids, and pads are removed, so a
 * caller gets either a well-formed Content or a CodecError.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { ContentSchema, type Content } from '../gen/valise/v1/content_pb.ts';
import { utf8Length } from '../shared/model/limits.ts';
import { decodeMessage, LIMITS } from './codec.ts';
import { CodecError } from './errors.ts';

export type { Content };
export { ContentSchema };

/** Plaintexts are padded to a multiple of this, so ciphertext sizes reveal less about the text. */
const PAD_BLOCK = 160;

/** Encodes and pads a Content for encryption (pad: 0x80 then zeros, as in ISO/IEC 7816-4). */
export function encodeContent(content: Parameters<typeof create<typeof ContentSchema>>[1]): Uint8Array<ArrayBuffer> {
  const body = toBinary(ContentSchema, create(ContentSchema, content));
  const padded = new Uint8Array((Math.floor((body.length + 1) / PAD_BLOCK) + 1) * PAD_BLOCK);
  padded.set(body);
  padded[body.length] = 0x80;
  return padded;
}

function unpad(bytes: Uint8Array): Uint8Array {
  let i = bytes.length - 1;
  while (i >= 0 && bytes[i] === 0) i--;
  if (i < 0 || bytes[i] !== 0x80) throw new CodecError('Content', 'bad padding');
  return bytes.subarray(0, i);
}

const ID = 16;

/** Decodes a decrypted, padded Content. Throws only CodecError. */
export function decodeContent(padded: Uint8Array): Content {
  const what = 'Content';
  if (padded.length > LIMITS.content) throw new CodecError(what, `larger than ${LIMITS.content} bytes`);
  const c = decodeMessage(ContentSchema, unpad(padded), LIMITS.content, what);
  const body = c.body;
  switch (body.case) {
    case 'data': {
      const d = body.value;
      if (d.messageId.length !== ID) throw new CodecError(what, 'message id must be 16 bytes');
      if (d.channelId.length !== ID) throw new CodecError(what, 'channel id must be 16 bytes');
      const k = d.kind;
      if (k.case === undefined) throw new CodecError(what, 'empty message');
      if ((k.case === 'text' || k.case === 'reply' || k.case === 'edit') && utf8Length(k.value.body) > LIMITS.textBytes) {
        throw new CodecError(what, 'text too long');
      }
      if ((k.case === 'reply' || k.case === 'edit' || k.case === 'delete') && k.value.targetMessageId.length !== ID) {
        throw new CodecError(what, 'target message id must be 16 bytes');
      }
      if ((k.case === 'readReceipt' || k.case === 'deliveryReceipt') && (k.value.messageIds.length > 1000 || k.value.messageIds.some((m) => m.length !== ID))) {
        throw new CodecError(what, 'bad read receipt');
      }
      break;
    }
    case 'senderKeyDistribution':
      if (body.value.channelId.length !== ID || body.value.distributionId.length !== ID || body.value.message.length === 0) {
        throw new CodecError(what, 'bad sender key distribution');
      }
      break;
    case 'control':
      if (body.value.kind.case === undefined) throw new CodecError(what, 'empty control message');
      break;
    default:
      throw new CodecError(what, 'empty content');
  }
  return c;
}
