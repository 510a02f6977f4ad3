/**
 * The default blob store: files under the relay's data folder.
 *
 *   meta/<id>.json   owner device, channel, length, times, state ("uploading" | "ready"), digest once ready
 *   uploads/<id>     bytes of an unfinished upload
 *   ready/<id>       bytes of a finished blob: the rename into this folder is what makes it readable
 *
 * Ids are 128 random bits in hex, so they are unguessable and safe as file names; any other id is
 * unknown. Every append is fsynced before its committed length is answered, and every metadata
 * change is written to a temporary file, fsynced and renamed, with the folder fsynced after it.
 * `open` repairs what a crash can leave: a finish interrupted between its two steps is completed,
 * files without metadata are removed, and an upload's committed length is what is on disk.
 * Quota use per device is kept in memory and rebuilt from the metadata at start.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { BLOB_ID_PATTERN, type BeginUpload, type BlobInfo, type BlobRules, type BlobStore, type FinishUpload, type UploadState } from './BlobStore.ts';
import { BlobStoreError } from './BlobStoreError.ts';

interface Meta {
  readonly device: string;
  readonly channelId: string;
  readonly length: number;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly state: 'uploading' | 'ready';
  /** Hex SHA-256, once ready. */
  readonly digest?: string;
  /** Devices that have not acknowledged the blob yet, once ready. */
  readonly awaiting?: readonly string[];
}

interface Entry {
  meta: Meta;
  /** For uploads: bytes durably on disk. */
  committed: number;
}

export const DEFAULT_DEVICE_QUOTA_BYTES = 1024 * 1024 * 1024;

export class FileBlobStore implements BlobStore {
  private readonly entries = new Map<string, Entry>();
  private readonly used = new Map<string, number>();
  private readonly locks = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly dir: string,
    private readonly rules: BlobRules,
  ) {}

  /** Opens (creating if needed) the store in `dir` and repairs what an interrupted run left. */
  static async open(dir: string, rules: BlobRules): Promise<FileBlobStore> {
    const store = new FileBlobStore(dir, rules);
    await store.recover();
    return store;
  }

  async begin(upload: BeginUpload, nowMs: number): Promise<UploadState> {
    const { device, channelId, length, expiresAtMs } = upload;
    if (!Number.isSafeInteger(length) || length <= 0) throw new BlobStoreError('BLOB_BAD_LENGTH');
    if (length > this.rules.maxBlobBytes) throw new BlobStoreError('BLOB_TOO_LARGE');
    if (!this.rules.isBlobLength(length)) throw new BlobStoreError('BLOB_BAD_LENGTH');
    if (this.usage(device) + length > this.rules.deviceQuotaBytes) throw new BlobStoreError('BLOB_QUOTA_EXCEEDED');
    const id = randomBytes(16).toString('hex');
    const meta: Meta = { device, channelId, length, createdAtMs: nowMs, expiresAtMs, state: 'uploading' };
    // Reserve before the first await so that concurrent begins cannot overrun the quota together.
    this.entries.set(id, { meta, committed: 0 });
    this.account(device, length);
    try {
      const handle = await fsp.open(this.uploadPath(id), 'wx');
      await handle.sync();
      await handle.close();
      await syncDir(this.folder('uploads'));
      await this.writeMeta(id, meta);
    } catch (e) {
      this.entries.delete(id);
      this.account(device, -length);
      await fsp.rm(this.uploadPath(id), { force: true });
      throw e;
    }
    return { id, committed: 0, length, channelId };
  }

  append(id: string, device: string, offset: number, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
    return this.locked(id, async () => {
      const entry = this.upload(id, device);
      if (!Number.isSafeInteger(offset) || offset < 0 || offset > entry.committed) throw new BlobStoreError('BLOB_OFFSET_MISMATCH', entry.committed);
      const pieces = bytes instanceof Uint8Array ? [bytes] : bytes;
      const handle = await fsp.open(this.uploadPath(id), 'r+');
      let at = offset;
      let written = entry.committed;
      try {
        for await (const piece of pieces) {
          const start = at;
          at += piece.length;
          // The organisation's limit holds at every append, whatever length the upload announced.
          if (at > this.rules.maxBlobBytes) throw new BlobStoreError('BLOB_TOO_LARGE');
          if (at > entry.meta.length) throw new BlobStoreError('BLOB_BAD_LENGTH');
          if (at <= written) continue; // already held: a retransmission after a lost answer
          const skip = written - start;
          const part = skip > 0 ? piece.subarray(skip) : piece;
          await writeAll(handle, part, written);
          written += part.length;
        }
      } finally {
        // What arrived before a failure is kept and made durable, so the upload resumes after it.
        try {
          if (written > entry.committed) await handle.datasync();
          entry.committed = written;
        } finally {
          await handle.close();
        }
      }
      return entry.committed;
    });
  }

  async resume(id: string, device: string): Promise<UploadState> {
    return this.locked(id, async () => {
      const entry = this.upload(id, device);
      return { id, committed: entry.committed, length: entry.meta.length, channelId: entry.meta.channelId };
    });
  }

  finish(id: string, device: string, finish: FinishUpload): Promise<BlobInfo> {
    return this.locked(id, async () => {
      const entry = this.upload(id, device);
      if (finish.length !== entry.meta.length || entry.committed !== entry.meta.length) throw new BlobStoreError('BLOB_BAD_LENGTH');
      const digest = await sha256File(this.uploadPath(id));
      if (finish.digest.length !== digest.length || !timingSafeEqual(digest, finish.digest)) {
        await this.remove(id);
        throw new BlobStoreError('BLOB_DIGEST_MISMATCH');
      }
      const meta: Meta = { ...entry.meta, state: 'ready', digest: digest.toString('hex'), expiresAtMs: finish.expiresAtMs, awaiting: [...(finish.awaiting ?? [])] };
      // Metadata first: a crash before the rename leaves a "ready" record whose bytes `open` moves.
      await this.writeMeta(id, meta);
      await fsp.rename(this.uploadPath(id), this.readyPath(id));
      await syncDir(this.folder('ready'));
      await syncDir(this.folder('uploads'));
      entry.meta = meta;
      return infoOf(id, meta);
    });
  }

  async info(id: string): Promise<BlobInfo | null> {
    const entry = BLOB_ID_PATTERN.test(id) ? this.entries.get(id) : undefined;
    return entry?.meta.state === 'ready' ? infoOf(id, entry.meta) : null;
  }

  async read(id: string, offset = 0, maxBytes = Number.MAX_SAFE_INTEGER): Promise<AsyncIterable<Uint8Array>> {
    const info = await this.info(id);
    if (!info) throw new BlobStoreError('BLOB_UNKNOWN');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > info.length) throw new BlobStoreError('BLOB_OFFSET_MISMATCH', info.length);
    // The descriptor stays valid if the blob is deleted while it is being read.
    const handle = await fsp.open(this.readyPath(id), 'r');
    const end = Math.min(info.length, offset + Math.max(0, maxBytes)) - 1;
    if (end < offset) {
      await handle.close();
      return (async function* () {})();
    }
    return handle.createReadStream({ start: offset, end, highWaterMark: 256 * 1024, autoClose: true });
  }

  acknowledge(id: string, device: string): Promise<BlobInfo | null> {
    return this.locked(id, async () => {
      const entry = BLOB_ID_PATTERN.test(id) ? this.entries.get(id) : undefined;
      if (entry?.meta.state !== 'ready') return null;
      const awaiting = entry.meta.awaiting ?? [];
      if (awaiting.includes(device)) {
        const meta: Meta = { ...entry.meta, awaiting: awaiting.filter((d) => d !== device) };
        await this.writeMeta(id, meta);
        entry.meta = meta;
      }
      return infoOf(id, entry.meta);
    });
  }

  delete(id: string): Promise<boolean> {
    if (!BLOB_ID_PATTERN.test(id)) return Promise.resolve(false);
    return this.locked(id, () => this.remove(id));
  }

  async listByChannel(channelId: string): Promise<string[]> {
    return [...this.entries].filter(([, e]) => e.meta.channelId === channelId).map(([id]) => id);
  }

  async listExpired(nowMs: number): Promise<string[]> {
    return [...this.entries].filter(([, e]) => e.meta.expiresAtMs <= nowMs).map(([id]) => id);
  }

  usage(device: string): number {
    return this.used.get(device) ?? 0;
  }

  // --- internals ---

  private upload(id: string, device: string): Entry {
    const entry = BLOB_ID_PATTERN.test(id) ? this.entries.get(id) : undefined;
    // Someone else's upload is as unknown as a missing one: no answer tells ids apart.
    if (!entry || entry.meta.device !== device) throw new BlobStoreError('BLOB_UNKNOWN');
    if (entry.meta.state !== 'uploading') throw new BlobStoreError('BLOB_FINISHED');
    return entry;
  }

  private async remove(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    this.account(entry.meta.device, -entry.meta.length);
    await fsp.rm(this.metaPath(id), { force: true });
    await syncDir(this.folder('meta'));
    await fsp.rm(this.uploadPath(id), { force: true });
    await fsp.rm(this.readyPath(id), { force: true });
    return true;
  }

  private account(device: string, delta: number): void {
    const next = this.usage(device) + delta;
    if (next > 0) this.used.set(device, next);
    else this.used.delete(device);
  }

  private async locked<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }

  private async writeMeta(id: string, meta: Meta): Promise<void> {
    const tmp = `${this.metaPath(id)}.tmp`;
    const handle = await fsp.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(meta));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, this.metaPath(id));
    await syncDir(this.folder('meta'));
  }

  private async recover(): Promise<void> {
    for (const sub of ['meta', 'uploads', 'ready'] as const) await fsp.mkdir(this.folder(sub), { recursive: true, mode: 0o700 });
    for (const name of await fsp.readdir(this.folder('meta'))) {
      const id = name.slice(0, -'.json'.length);
      if (!name.endsWith('.json') || !BLOB_ID_PATTERN.test(id)) {
        await fsp.rm(path.join(this.folder('meta'), name), { force: true });
        continue;
      }
      const meta = parseMeta(await fsp.readFile(this.metaPath(id), 'utf8'));
      const uploadSize = await sizeOf(this.uploadPath(id));
      if (meta?.state === 'ready' && uploadSize !== null && (await sizeOf(this.readyPath(id))) === null) {
        await fsp.rename(this.uploadPath(id), this.readyPath(id));
      }
      const size = meta?.state === 'ready' ? await sizeOf(this.readyPath(id)) : uploadSize;
      if (!meta || size === null || size > meta.length) {
        await fsp.rm(this.metaPath(id), { force: true });
        await fsp.rm(this.uploadPath(id), { force: true });
        await fsp.rm(this.readyPath(id), { force: true });
        continue;
      }
      this.entries.set(id, { meta, committed: size });
      this.account(meta.device, meta.length);
    }
    for (const sub of ['uploads', 'ready'] as const) {
      for (const name of await fsp.readdir(this.folder(sub))) {
        const entry = this.entries.get(name);
        const belongs = entry && (entry.meta.state === 'ready') === (sub === 'ready');
        if (!belongs) await fsp.rm(path.join(this.folder(sub), name), { force: true });
      }
    }
    for (const sub of ['meta', 'uploads', 'ready'] as const) await syncDir(this.folder(sub));
  }

  private folder(sub: 'meta' | 'uploads' | 'ready'): string {
    return path.join(this.dir, sub);
  }
  private metaPath(id: string): string {
    return path.join(this.dir, 'meta', `${id}.json`);
  }
  private uploadPath(id: string): string {
    return path.join(this.dir, 'uploads', id);
  }
  private readyPath(id: string): string {
    return path.join(this.dir, 'ready', id);
  }
}

function infoOf(id: string, meta: Meta): BlobInfo {
  return {
    id,
    device: meta.device,
    channelId: meta.channelId,
    length: meta.length,
    digest: Buffer.from(meta.digest ?? '', 'hex'),
    createdAtMs: meta.createdAtMs,
    expiresAtMs: meta.expiresAtMs,
    awaiting: meta.awaiting ?? [],
  };
}

function parseMeta(text: string): Meta | null {
  try {
    const m = JSON.parse(text) as Partial<Meta>;
    const ok =
      typeof m.device === 'string' &&
      typeof m.channelId === 'string' &&
      Number.isSafeInteger(m.length) &&
      Number.isFinite(m.createdAtMs) &&
      Number.isFinite(m.expiresAtMs) &&
      (m.awaiting === undefined || (Array.isArray(m.awaiting) && m.awaiting.every((d) => typeof d === 'string'))) &&
      (m.state === 'uploading' || (m.state === 'ready' && typeof m.digest === 'string' && /^[0-9a-f]{64}$/.test(m.digest)));
    return ok ? (m as Meta) : null;
  } catch {
    return null;
  }
}

async function writeAll(handle: fsp.FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await fsp.stat(file)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function sha256File(file: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const piece of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(piece as Buffer);
  return hash.digest();
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
