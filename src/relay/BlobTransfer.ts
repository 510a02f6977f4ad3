/**
 * Uploads and downloads of attachment blobs over one relay connection (relay.proto "attachment
 * blobs"). Both are streamed and bounded in memory: an upload keeps a few pieces in flight, a
 * download prefetches a few ranges. Neither reconnects by itself; when the connection drops they
 * throw `BlobTransferInterrupted`, and the caller continues on a new connection from where the
 * relay's bytes end, without sending again what arrived.
 */
import { BlobTransferInterrupted, RelayRefused, RelayUnavailable } from './errors.ts';
import type { RelayClient } from './RelayClient.ts';

/** Bytes of blob data in one frame: an append or a download answer stays under the relay's 256 KiB frame limit. */
export const BLOB_PIECE_BYTES = 240 * 1024;
const DEFAULT_WINDOW = 4;

export interface BlobProgress {
  readonly blobId: Uint8Array;
  /** Upload: bytes the relay holds durably. Download: bytes handed to the caller. */
  readonly done: number;
  readonly length: number;
}

export interface BlobUpload {
  readonly channelId: Uint8Array;
  /**
   * The encrypted blob from its first byte, or a function that gives it from an offset. When an
   * upload continues, the bytes the relay already holds are read past, not sent.
   */
  readonly source: AsyncIterable<Uint8Array> | ((offset: number) => AsyncIterable<Uint8Array>);
  /** The blob's exact length (a size bucket's). */
  readonly length: number;
  /**
   * SHA-256 of the whole blob (the attachment descriptor's digest); a function is asked only once
   * the source is exhausted, so a blob can be encrypted while it is uploaded.
   */
  readonly digest: Uint8Array | (() => Uint8Array);
  readonly onProgress?: (p: BlobProgress) => void;
  /** Continue this upload (its id came with the first progress report or the interruption). */
  readonly blobId?: Uint8Array;
  /** Appends in flight at once. */
  readonly window?: number;
}

export interface BlobDownload {
  /** Start at this byte (a download that continues after an interruption). */
  readonly offset?: number;
  readonly onProgress?: (p: BlobProgress) => void;
  /** Ranges requested ahead. */
  readonly window?: number;
}

/** Uploads a blob and returns its id once the relay checked its length and digest. */
export async function uploadBlob(client: RelayClient, u: BlobUpload): Promise<Uint8Array> {
  let blobId: Uint8Array;
  let committed: number;
  if (u.blobId) {
    blobId = u.blobId;
    try {
      committed = Number((await client.request({ case: 'resumeBlobUpload', value: { blobId } }, 'blobCommitted')).committed);
    } catch (e) {
      if (e instanceof RelayRefused && e.code === 'BLOB_FINISHED') return blobId;
      throw interrupted(e, blobId, 0);
    }
  } else {
    const begun = await client.request({ case: 'beginBlobUpload', value: { channelId: u.channelId, length: BigInt(u.length) } }, 'blobUploadBegun');
    blobId = begun.blobId;
    committed = Number(begun.committed);
  }
  const report = (done: number) => u.onProgress?.({ blobId, done, length: u.length });
  report(committed);

  const window = Math.max(1, u.window ?? DEFAULT_WINDOW);
  const inFlight: Promise<number>[] = [];
  const settleOldest = async () => {
    const held = await inFlight.shift()!;
    if (held > committed) report((committed = held));
  };
  try {
    let at = committed;
    for await (const piece of pieces(fromOffset(u.source, committed))) {
      if (at + piece.length > u.length) throw new RelayRefused('BLOB_BAD_LENGTH', 'The file is longer than the length announced for it. Send it again.');
      const append = client.request({ case: 'appendBlob', value: { blobId, offset: BigInt(at), data: piece } }, 'blobCommitted').then((r) => Number(r.committed));
      append.catch(() => undefined);
      inFlight.push(append);
      at += piece.length;
      while (inFlight.length >= window) await settleOldest();
    }
    while (inFlight.length) await settleOldest();
    await client.request({ case: 'finishBlobUpload', value: { blobId, digest: typeof u.digest === 'function' ? u.digest() : u.digest, length: BigInt(u.length) } }, 'blobCommitted');
  } catch (e) {
    throw interrupted(e, blobId, committed);
  }
  report(u.length);
  return blobId;
}

/** The blob's bytes in order from `offset`, a few ranges requested ahead; memory stays bounded. */
export async function* downloadBlob(client: RelayClient, blobId: Uint8Array, o: BlobDownload = {}): AsyncGenerator<Uint8Array> {
  const window = Math.max(1, o.window ?? DEFAULT_WINDOW);
  let delivered = o.offset ?? 0;
  let total = -1;
  let next = delivered;
  const ahead: Promise<{ data: Uint8Array; totalLength: bigint }>[] = [];
  const ask = () => {
    const p = client.request({ case: 'downloadBlob', value: { blobId, offset: BigInt(next), maxBytes: BLOB_PIECE_BYTES } }, 'blobData');
    p.catch(() => undefined);
    ahead.push(p);
    next += BLOB_PIECE_BYTES;
  };
  try {
    ask();
    while (ahead.length) {
      const r = await ahead.shift()!;
      if (total < 0) total = Number(r.totalLength);
      while (ahead.length < window && next < total) ask();
      if (r.data.length === 0 && delivered < total) throw new RelayRefused('BLOB_BAD_LENGTH', 'The relay sent less of the file than it announced. Download it again.');
      if (r.data.length) {
        delivered += r.data.length;
        o.onProgress?.({ blobId, done: delivered, length: total });
        yield r.data;
      }
      if (delivered >= total) break;
    }
  } catch (e) {
    throw interrupted(e, blobId, delivered);
  }
}

function interrupted(e: unknown, blobId: Uint8Array, offset: number): unknown {
  return e instanceof RelayUnavailable && !(e instanceof BlobTransferInterrupted) ? new BlobTransferInterrupted(blobId, offset, { cause: e }) : e;
}

/** The source from `offset`: asked for, or read past. */
async function* fromOffset(source: BlobUpload['source'], offset: number): AsyncGenerator<Uint8Array> {
  if (typeof source === 'function') {
    yield* source(offset);
    return;
  }
  let skip = offset;
  for await (const piece of source) {
    if (skip >= piece.length) {
      skip -= piece.length;
      continue;
    }
    yield skip > 0 ? piece.subarray(skip) : piece;
    skip = 0;
  }
}

/** Re-cuts the source into pieces of at most BLOB_PIECE_BYTES (the last one shorter). */
async function* pieces(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(BLOB_PIECE_BYTES);
  let fill = 0;
  for await (const piece of source) {
    let at = 0;
    while (at < piece.length) {
      const n = Math.min(piece.length - at, BLOB_PIECE_BYTES - fill);
      buf.set(piece.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === BLOB_PIECE_BYTES) {
        yield buf;
        buf = new Uint8Array(BLOB_PIECE_BYTES);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.subarray(0, fill);
}
