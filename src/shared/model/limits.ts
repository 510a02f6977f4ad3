/**
 * Size limits, in bytes of UTF-8, shared by the sender (checked before anything is sent) and every
 * receiver (checked when decoding), so that what one device accepts to send, every other device
 * accepts to receive. A limit in characters would not do: 65,536 Chinese characters are 196,608
 * bytes, three times as many as 65,536 Latin letters.
 */

/** The largest decrypted message content (padded protobuf) a device sends or accepts. */
export const MAX_CONTENT_BYTES = 192 * 1024;

/**
 * The largest message text. The rest of the content (ids, time, field tags, padding to the next
 * 160-byte block) takes well under the 1 KiB kept back here, so any text up to this size fits.
 */
export const MAX_TEXT_BYTES = MAX_CONTENT_BYTES - 1024;

/** Channel names and display names (every name of at most 100 characters fits). */
export const MAX_NAME_BYTES = 400;

/** The reason given for a pause or another privileged action (every reason of at most 500 characters fits). */
export const MAX_REASON_BYTES = 2000;

/** The number of bytes `s` takes in UTF-8 (a lone surrogate counts as U+FFFD, as an encoder writes it). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** False when `s` holds a lone surrogate: such text cannot be encoded as it is and would arrive altered. */
export function isWellFormedText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xf800) !== 0xd800) continue;
    if (c >= 0xdc00 || i + 1 >= s.length || (s.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return false;
    i++;
  }
  return true;
}
