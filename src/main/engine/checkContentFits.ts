/**
 * The sender's check of the one size limit every receiver applies (src/shared/model/limits.ts):
 * the encoded content, as it will be encrypted, must not be larger than what receivers decode.
 * The API already refuses a text over MAX_TEXT_BYTES; this catches any content that grows past
 * the limit otherwise, so nothing shows "sent" that every recipient would drop.
 */
import { ApiError } from '../../shared/api/errors.ts';
import { MAX_CONTENT_BYTES } from '../../shared/model/limits.ts';

export function checkContentFits(content: Uint8Array): void {
  if (content.length > MAX_CONTENT_BYTES) throw new ApiError('TOO_LARGE', { detail: `the message content is ${content.length} bytes, at most ${MAX_CONTENT_BYTES}` });
}
