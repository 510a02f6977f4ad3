/**
 * Size buckets for attachments, so the relay learns a file's size only to within about 5 %.
 * Buckets start at 1 KiB and each next one is the previous plus a twentieth of it (rounded down),
 * in integers so that every device computes the same sequence: 1024, 1075, 1128, 1184, ...,
 * about 236 buckets up to 100 MiB. The file is padded with zero bytes to its bucket before
 * encryption; its exact size travels only inside the end-to-end encrypted message.
 */
import { sealedLength } from './ChunkedAead.ts';
import { AttachmentError } from './AttachmentError.ts';

export const SMALLEST_BUCKET = 1024;

/** The bucket a plaintext of `size` bytes is padded to. */
export function paddedSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new AttachmentError('bad-descriptor');
  let bucket = SMALLEST_BUCKET;
  while (bucket < size) bucket += Math.floor(bucket / 20);
  return bucket;
}

/** Bytes of the encrypted blob the relay stores for a file of `size` bytes. */
export function blobLength(size: number): number {
  return sealedLength(paddedSize(size));
}

/** Whether `length` is the blob length of some bucket: the relay refuses any other length. */
export function isBlobLength(length: number): boolean {
  if (!Number.isSafeInteger(length) || length < sealedLength(SMALLEST_BUCKET)) return false;
  let bucket = SMALLEST_BUCKET;
  while (sealedLength(bucket) < length) bucket += Math.floor(bucket / 20);
  return sealedLength(bucket) === length;
}
