/**
 * Where the relay keeps encrypted attachment blobs (DESIGN.md §7). The relay sees only opaque
 * bytes whose length is a size bucket's; the key, digest, name and type travel inside the
 * end-to-end encrypted message. Files on disk by default (`FileBlobStore`); a shared store for
 * several relay nodes implements the same interface.
 *
 * An upload is begun with its full length, appended to at the committed length (an append that
 * starts earlier skips what is already held, one that starts later is refused with the committed
 * length), and finished with the digest the sender computed: only then can it be read. After a
 * dropped connection the client asks `resume` for the committed length and continues from there.
 */
export const BLOB_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Limits the organisation sets; the composition root derives them from org config and crypto. */
export interface BlobRules {
  /** The largest blob accepted, in stored bytes (the blob length of the organisation's file-size limit). */
  readonly maxBlobBytes: number;
  /** Bytes one device may hold on the relay at once, uploads in progress included. */
  readonly deviceQuotaBytes: number;
  /** Whether a length is the blob length of a size bucket; any other length is refused. */
  readonly isBlobLength: (length: number) => boolean;
}

export interface BeginUpload {
  /** The uploading device, as the relay names it after authentication (e.g. "user:device"). */
  readonly device: string;
  /** The channel the blob is sent in: only its current member devices may fetch it, and its wipe deletes it. */
  readonly channelId: string;
  /** The blob's exact length in bytes. */
  readonly length: number;
  /** When an unfinished upload may be swept. */
  readonly expiresAtMs: number;
}

export interface UploadState {
  readonly id: string;
  /** Bytes durably stored so far: the offset of the next append. */
  readonly committed: number;
  readonly length: number;
  readonly channelId: string;
}

export interface FinishUpload {
  /** SHA-256 of the whole blob, as the sender computed it while encrypting. */
  readonly digest: Uint8Array;
  readonly length: number;
  /** When the finished blob may be swept (the channel policy's lifetime, at most the relay's limit). */
  readonly expiresAtMs: number;
  /** Devices expected to acknowledge the blob (the channel's member devices when it was finished). */
  readonly awaiting?: readonly string[];
}

export interface BlobInfo {
  readonly id: string;
  readonly device: string;
  readonly channelId: string;
  readonly length: number;
  readonly digest: Uint8Array;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  /** Devices that have not acknowledged it yet. */
  readonly awaiting: readonly string[];
}

export interface BlobStore {
  /** Reserves `length` bytes of the device's quota and returns a fresh unguessable id. */
  begin(upload: BeginUpload, nowMs: number): Promise<UploadState>;
  /**
   * Writes `bytes` at `offset` and makes them durable before answering; returns the committed
   * length. A stream that fails part-way keeps what arrived before the failure.
   */
  append(id: string, device: string, offset: number, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<number>;
  /** The committed length of an unfinished upload of this device. */
  resume(id: string, device: string): Promise<UploadState>;
  /** Checks length and digest, then makes the blob readable in one atomic step. */
  finish(id: string, device: string, finish: FinishUpload): Promise<BlobInfo>;
  /** A finished blob (null for unknown ids and unfinished uploads). */
  info(id: string): Promise<BlobInfo | null>;
  /** The bytes of a finished blob from `offset` on, at most `maxBytes` of them (a download resumes like an upload). */
  read(id: string, offset?: number, maxBytes?: number): Promise<AsyncIterable<Uint8Array>>;
  /** Takes `device` off the blob's awaited acknowledgements; the blob as it now is (null if unknown). */
  acknowledge(id: string, device: string): Promise<BlobInfo | null>;
  /** Deletes a blob or an unfinished upload and returns its bytes to the owner's quota. */
  delete(id: string): Promise<boolean>;
  /** Ids (finished or not) of a channel's blobs, to delete them when the channel is wiped. */
  listByChannel(channelId: string): Promise<string[]>;
  /** Ids (finished or not) whose expiry is at or before `nowMs`. */
  listExpired(nowMs: number): Promise<string[]>;
  /** Bytes the device holds (reserved by uploads in progress plus finished blobs). */
  usage(device: string): number;
}
