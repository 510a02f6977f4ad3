/**
 * Attachment blobs on the relay (DESIGN.md §5 "Documents", §7): who may upload into a channel,
 * who may fetch, and when a blob goes. The bytes live in a `BlobStore`; this part adds what the
 * relay knows of channels:
 *
 * - upload: a current member device of an active channel whose policy allows attachments, a
 *   length that is a size bucket's blob length under the organisation's limit, within the device's
 *   quota;
 * - download: only the current member devices of the blob's channel; anyone else, including a
 *   removed member, gets the answer an unknown id gets;
 * - deletion: once every member device at upload time has acknowledged it or left the channel, at
 *   once when the channel is wiped, and by the sweeper when its lifetime passed.
 */
import { BLOB_ID_PATTERN, type BlobInfo, type BlobStore } from '../blobs/BlobStore.ts';
import { BlobStoreError } from '../blobs/BlobStoreError.ts';
import { hex } from '../../base/hex.ts';
import { BLOB_PIECE_BYTES } from '../../relay/BlobTransfer.ts';
import { RelayError } from '../../relay/errors.ts';
import type { DeviceAddress } from '../store/RelayStore.ts';
import type { ChannelView } from '../trust/RelayTrust.ts';
import type { Channels } from './Channels.ts';
import type { Directory } from './Directory.ts';
import { actorOf, type RelayContext } from './RelayContext.ts';


const unknownBlob = (): RelayError => new RelayError('BLOB_UNKNOWN', 'The file is not on the relay (it may have expired or been deleted). Ask the sender to send it again.');

/** A blob store refusal as the client sees it: the same code and message. */
export function asRelayError(e: unknown): unknown {
  return e instanceof BlobStoreError ? new RelayError(e.code, e.userMessage, { cause: e }) : e;
}

export class Blobs {
  constructor(
    private readonly ctx: RelayContext,
    private readonly directory: Directory,
    private readonly channels: Channels,
    private readonly store: BlobStore | null,
  ) {}

  async begin(from: DeviceAddress, channelId: Uint8Array, length: number): Promise<{ blobId: Uint8Array; committed: number }> {
    const store = this.require();
    const ch = this.channels.current(channelId);
    if (!ch.memberUserIds.includes(from.userId)) throw new RelayError('NOT_A_MEMBER', 'You are not a member of this channel.');
    if (ch.status === 'paused') throw new RelayError('CHANNEL_PAUSED', 'This channel is paused; nobody can send until a lead resumes it.');
    if (!ch.allowAttachments) throw new RelayError('BLOB_NOT_ALLOWED', "This channel's policy does not allow attachments.");
    const now = this.ctx.now();
    const up = await call(() => store.begin({ device: actorOf(from), channelId: hex(channelId), length, expiresAtMs: now + this.ctx.limits.blobUploadWindowMs }, now));
    this.ctx.log.info({ actor: actorOf(from), channel: hex(channelId), length }, 'blob upload begun');
    return { blobId: Buffer.from(up.id, 'hex'), committed: up.committed };
  }

  /** Starts the store's append before any await, so appends in flight keep their order. */
  append(from: DeviceAddress, blobId: Uint8Array, offset: number, data: Uint8Array): Promise<{ committed: number }> {
    const store = this.require();
    return call(async () => ({ committed: await store.append(hex(blobId), actorOf(from), offset, data) }));
  }

  async resume(from: DeviceAddress, blobId: Uint8Array): Promise<{ committed: number; length: number }> {
    const store = this.require();
    const s = await call(() => store.resume(hex(blobId), actorOf(from)));
    return { committed: s.committed, length: s.length };
  }

  async finish(from: DeviceAddress, blobId: Uint8Array, digest: Uint8Array, length: number): Promise<{ committed: number; length: number }> {
    const store = this.require();
    const id = hex(blobId);
    // The channel is judged again: a device removed or a channel paused since the begin cannot publish.
    const upload = await call(() => store.resume(id, actorOf(from)));
    let ch: ChannelView;
    try {
      ch = this.channels.current(Buffer.from(upload.channelId, 'hex'));
    } catch {
      throw unknownBlob();
    }
    if (!ch.memberUserIds.includes(from.userId)) throw unknownBlob();
    if (ch.status === 'paused') throw new RelayError('CHANNEL_PAUSED', 'This channel is paused; nobody can send until a lead resumes it.');
    const awaiting = (await this.directory.liveDevicesOfAll(ch.memberUserIds)).map(actorOf).filter((d) => d !== actorOf(from));
    const now = this.ctx.now();
    const max = this.ctx.limits.maxBlobAgeMs;
    const lifetime = ch.messageLifetimeMs > 0 ? Math.min(ch.messageLifetimeMs, max) : max;
    const done = await call(() => store.finish(id, actorOf(from), { digest, length, expiresAtMs: now + lifetime, awaiting }));
    this.ctx.log.info({ actor: actorOf(from), channel: done.channelId, length: done.length, awaiting: awaiting.length }, 'blob finished');
    return { committed: done.length, length: done.length };
  }

  /** Bytes `[offset, offset + maxBytes)` of a finished blob, for a current member device of its channel. */
  async download(from: DeviceAddress, blobId: Uint8Array, offset: number, maxBytes: number): Promise<{ data: Uint8Array; totalLength: number }> {
    const store = this.require();
    const info = await this.readable(from, blobId);
    const want = Math.min(Math.max(1, maxBytes || BLOB_PIECE_BYTES), BLOB_PIECE_BYTES);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > info.length) throw new RelayError('BLOB_OFFSET_MISMATCH', 'The download asked for bytes past the end of the file. Start again from 0.');
    const pieces: Uint8Array[] = [];
    for await (const p of await call(() => store.read(info.id, offset, want))) pieces.push(p);
    return { data: Buffer.concat(pieces), totalLength: info.length };
  }

  /** The device stored the attachment; the blob goes when no awaited device is left. */
  async ack(from: DeviceAddress, blobId: Uint8Array): Promise<void> {
    const store = this.require();
    const info = await this.readable(from, blobId);
    const after = await store.acknowledge(info.id, actorOf(from));
    if (after) await this.settle(after);
  }

  /** A wipe deletes the channel's blobs, finished or not, at once. */
  async channelWiped(channelId: Uint8Array): Promise<number> {
    if (!this.store) return 0;
    const ids = await this.store.listByChannel(hex(channelId));
    for (const id of ids) await this.store.delete(id);
    if (ids.length) this.ctx.log.info({ channel: hex(channelId), blobs: ids.length }, 'blobs of a wiped channel deleted');
    return ids.length;
  }

  /** After a membership change: blobs whose awaited devices have all left the channel go. */
  async channelChanged(channelId: Uint8Array): Promise<void> {
    if (!this.store) return;
    for (const id of await this.store.listByChannel(hex(channelId))) {
      const info = await this.store.info(id);
      if (info) await this.settle(info);
    }
  }

  /** The sweeper: blobs and unfinished uploads past their expiry. */
  async sweep(): Promise<number> {
    if (!this.store) return 0;
    const ids = await this.store.listExpired(this.ctx.now());
    for (const id of ids) await this.store.delete(id);
    if (ids.length) this.ctx.log.info({ blobs: ids.length }, 'expired blobs deleted');
    return ids.length;
  }

  /** Deletes a blob once no device it waits for is still a live member device of its channel. */
  private async settle(info: BlobInfo): Promise<void> {
    if (!this.store) return;
    let members: string[] = [];
    try {
      members = this.channels.current(Buffer.from(info.channelId, 'hex')).memberUserIds;
    } catch {
      // A wiped or unknown channel keeps nobody waiting.
    }
    const live = new Set((await this.directory.liveDevicesOfAll(members)).map(actorOf));
    if (info.awaiting.some((d) => live.has(d))) return;
    await this.store.delete(info.id);
    this.ctx.log.info({ channel: info.channelId }, 'blob acknowledged by every member device, deleted');
  }

  private async readable(from: DeviceAddress, blobId: Uint8Array): Promise<BlobInfo> {
    const store = this.require();
    const id = hex(blobId);
    const info = BLOB_ID_PATTERN.test(id) ? await store.info(id) : null;
    if (!info) throw unknownBlob();
    let ch: ChannelView;
    try {
      ch = this.channels.current(Buffer.from(info.channelId, 'hex'));
    } catch {
      throw unknownBlob();
    }
    // Not a member now (never, or removed since): the same answer as for an id that does not exist.
    if (!ch.memberUserIds.includes(from.userId)) throw unknownBlob();
    return info;
  }

  private require(): BlobStore {
    if (!this.store) throw new RelayError('BLOB_UNAVAILABLE', 'This relay does not store attachments. Ask your administrator.');
    return this.store;
  }
}

async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw asRelayError(e);
  }
}
