/**
 * The relay's file blob store: uploads that survive a dropped connection and a relay restart,
 * quotas and the organisation's size limit, digests, unguessable ids, and what a crash leaves.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttachmentEncryptor, decryptAttachment } from '../../crypto/attachments/AttachmentCipher.ts';
import { blobLength, isBlobLength } from '../../crypto/attachments/paddedSize.ts';
import type { BlobRules } from './BlobStore.ts';
import { BlobStoreError } from './BlobStoreError.ts';
import { FileBlobStore } from './FileBlobStore.ts';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;
const ALICE = 'alice:1';
const BOB = 'bob:1';
const CHANNEL = 'channel-1';
const BINDING = { channelId: CHANNEL, messageId: 'message-1', index: 0 };
const RULES: BlobRules = { maxBlobBytes: blobLength(100 * 1024 * 1024), deviceQuotaBytes: 4 * blobLength(200_000), isBlobLength };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-blobs-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function encrypted(size: number) {
  const enc = new AttachmentEncryptor(BINDING);
  async function* file() {
    yield randomBytes(size);
  }
  const parts: Buffer[] = [];
  for await (const p of enc.encrypt(file())) parts.push(p);
  const blob = Buffer.concat(parts);
  return { blob, descriptor: enc.descriptor, digest: createHash('sha256').update(blob).digest() };
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of source) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

async function code(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BlobStoreError);
  return (error as BlobStoreError).code;
}

async function upload(store: FileBlobStore, device: string, blob: Buffer, digest: Buffer, piece = 64 * 1024) {
  const { id } = await store.begin({ device, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
  for (let at = 0; at < blob.length; at += piece) await store.append(id, device, at, blob.subarray(at, at + piece));
  return store.finish(id, device, { digest, length: blob.length, expiresAtMs: NOW + 30 * DAY });
}

describe('FileBlobStore', () => {
  it('stores a blob under an unguessable id and serves it only once finished', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest, descriptor } = await encrypted(150_000);
    const { id } = await store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    const other = await store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(other.id).not.toBe(id);
    expect(await store.append(id, ALICE, 0, blob)).toBe(blob.length);
    expect(await code(store.read(id))).toBe('BLOB_UNKNOWN');
    const info = await store.finish(id, ALICE, { digest, length: blob.length, expiresAtMs: NOW + 30 * DAY });
    expect(Buffer.from(info.digest).equals(digest)).toBe(true);
    const back = await readAll(await store.read(id));
    expect(back.equals(blob)).toBe(true);
    const opened = await readAll(decryptAttachment(await store.read(id), descriptor, BINDING));
    expect(opened.length).toBe(150_000);
    expect((await readAll(await store.read(id, 1000))).equals(blob.subarray(1000))).toBe(true);
    expect((await readAll(await store.read(id, 1000, 5000))).equals(blob.subarray(1000, 6000))).toBe(true);
    expect(await readAll(await store.read(id, blob.length, 5000))).toHaveLength(0);
  });

  it('records which devices must still acknowledge a finished blob, across a restart', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest } = await encrypted(2000);
    const { id } = await store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    await store.append(id, ALICE, 0, blob);
    expect(await store.acknowledge(id, BOB)).toBeNull();
    const info = await store.finish(id, ALICE, { digest, length: blob.length, expiresAtMs: NOW + DAY, awaiting: [BOB, 'carol:1'] });
    expect(info.awaiting).toEqual([BOB, 'carol:1']);
    expect((await store.acknowledge(id, BOB))?.awaiting).toEqual(['carol:1']);
    const reopened = await FileBlobStore.open(dir, RULES);
    expect((await reopened.info(id))?.awaiting).toEqual(['carol:1']);
    expect((await reopened.acknowledge(id, 'mallory:1'))?.awaiting).toEqual(['carol:1']);
  });

  it('resumes an upload after the connection drops mid-chunk, across a relay restart', async () => {
    const { blob, digest, descriptor } = await encrypted(300_000);
    const first = await FileBlobStore.open(dir, RULES);
    const { id } = await first.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    const DROP_AT = 100_000;
    async function* droppingConnection() {
      yield blob.subarray(0, 60_000);
      yield blob.subarray(60_000, DROP_AT);
      throw new Error('connection reset');
    }
    await expect(first.append(id, ALICE, 0, droppingConnection())).rejects.toThrow('connection reset');
    expect((await first.resume(id, ALICE)).committed).toBe(DROP_AT);

    const restarted = await FileBlobStore.open(dir, RULES);
    const state = await restarted.resume(id, ALICE);
    expect(state).toEqual({ id, channelId: CHANNEL, committed: DROP_AT, length: blob.length });
    const early = await restarted.append(id, ALICE, state.committed + 10, blob.subarray(state.committed + 10)).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(BlobStoreError);
    expect((early as BlobStoreError).code).toBe('BLOB_OFFSET_MISMATCH');
    expect((early as BlobStoreError).committed).toBe(DROP_AT);
    // The client resends from a little before the committed length (its last acknowledged piece).
    expect(await restarted.append(id, ALICE, 50_000, blob.subarray(50_000, 200_000))).toBe(200_000);
    expect(await restarted.append(id, ALICE, 200_000, blob.subarray(200_000))).toBe(blob.length);
    await restarted.finish(id, ALICE, { digest, length: blob.length, expiresAtMs: NOW + DAY });
    const opened = await readAll(decryptAttachment(await restarted.read(id), descriptor, BINDING));
    expect(opened.length).toBe(300_000);
  });

  it('refuses uploads beyond the device quota, counting uploads in progress, and gives the space back on delete', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest } = await encrypted(200_000);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await upload(store, ALICE, blob, digest)).id);
    expect(store.usage(ALICE)).toBe(4 * blob.length);
    expect(await code(store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW))).toBe('BLOB_QUOTA_EXCEEDED');
    expect((await store.begin({ device: BOB, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW)).committed).toBe(0);
    expect(await store.delete(ids[0]!)).toBe(true);
    const again = await store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    expect(await code(store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW))).toBe('BLOB_QUOTA_EXCEEDED');
    const reopened = await FileBlobStore.open(dir, RULES);
    expect(reopened.usage(ALICE)).toBe(4 * blob.length);
    expect(reopened.usage(BOB)).toBe(blob.length);
    expect((await reopened.resume(again.id, ALICE)).committed).toBe(0);
  });

  it('enforces the organisation size limit when an upload begins and at every append', async () => {
    const small: BlobRules = { ...RULES, maxBlobBytes: blobLength(1024 * 1024), deviceQuotaBytes: 10 * 1024 * 1024 };
    const store = await FileBlobStore.open(dir, small);
    expect(await code(store.begin({ device: ALICE, channelId: CHANNEL, length: blobLength(2 * 1024 * 1024), expiresAtMs: NOW + DAY }, NOW))).toBe('BLOB_TOO_LARGE');
    const { id, length } = await store.begin({ device: ALICE, channelId: CHANNEL, length: blobLength(900_000), expiresAtMs: NOW + DAY }, NOW);
    await store.append(id, ALICE, 0, Buffer.alloc(400_000));
    // The organisation lowers its limit; the relay restarts with it.
    const lowered = await FileBlobStore.open(dir, { ...small, maxBlobBytes: blobLength(500_000) });
    expect(await code(lowered.append(id, ALICE, 400_000, Buffer.alloc(length - 400_000)))).toBe('BLOB_TOO_LARGE');
    expect((await lowered.resume(id, ALICE)).committed).toBeLessThanOrEqual(blobLength(500_000));
  });

  it('refuses lengths that are not a size bucket, bytes past the announced length and an early finish', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    expect(await code(store.begin({ device: ALICE, channelId: CHANNEL, length: blobLength(5000) + 1, expiresAtMs: NOW + DAY }, NOW))).toBe('BLOB_BAD_LENGTH');
    expect(await code(store.begin({ device: ALICE, channelId: CHANNEL, length: 0, expiresAtMs: NOW + DAY }, NOW))).toBe('BLOB_BAD_LENGTH');
    const { blob, digest } = await encrypted(5000);
    const { id } = await store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    await store.append(id, ALICE, 0, blob.subarray(0, 100));
    expect(await code(store.finish(id, ALICE, { digest, length: blob.length, expiresAtMs: NOW }))).toBe('BLOB_BAD_LENGTH');
    expect(await code(store.append(id, ALICE, 100, Buffer.concat([blob.subarray(100), Buffer.of(1)])))).toBe('BLOB_BAD_LENGTH');
  });

  it('refuses a finish whose digest does not match the bytes and drops the upload', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest } = await encrypted(5000);
    const { id } = await store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    const damaged = Buffer.from(blob);
    damaged[200]! ^= 1;
    await store.append(id, ALICE, 0, damaged);
    expect(await code(store.finish(id, ALICE, { digest, length: blob.length, expiresAtMs: NOW }))).toBe('BLOB_DIGEST_MISMATCH');
    expect(store.usage(ALICE)).toBe(0);
    expect(await code(store.resume(id, ALICE))).toBe('BLOB_UNKNOWN');
  });

  it("answers another device's upload, a finished upload and a path-like id as unknown or finished", async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest } = await encrypted(5000);
    const { id } = await store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    expect(await code(store.append(id, BOB, 0, blob))).toBe('BLOB_UNKNOWN');
    expect(await code(store.resume(id, BOB))).toBe('BLOB_UNKNOWN');
    await store.append(id, ALICE, 0, blob);
    expect(await code(store.finish(id, BOB, { digest, length: blob.length, expiresAtMs: NOW }))).toBe('BLOB_UNKNOWN');
    await store.finish(id, ALICE, { digest, length: blob.length, expiresAtMs: NOW });
    expect(await code(store.append(id, ALICE, 0, blob))).toBe('BLOB_FINISHED');
    for (const bad of ['../meta/x', `${id}/..`, id.toUpperCase(), `${id}.json`, '']) {
      expect(await code(store.read(bad))).toBe('BLOB_UNKNOWN');
      expect(await store.delete(bad)).toBe(false);
    }
  });

  it('serialises concurrent appends of one upload and concurrent begins against the quota', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest } = await encrypted(200_000);
    const { id } = await store.begin({ device: ALICE, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    // The same bytes from an old and a new connection after a reconnect.
    const committed = await Promise.all([store.append(id, ALICE, 0, blob.subarray(0, 120_000)), store.append(id, ALICE, 0, blob.subarray(0, 150_000))]);
    expect(Math.max(...committed)).toBe(150_000);
    await store.append(id, ALICE, 150_000, blob.subarray(150_000));
    await store.finish(id, ALICE, { digest, length: blob.length, expiresAtMs: NOW + DAY });
    const begins = await Promise.allSettled(Array.from({ length: 6 }, () => store.begin({ device: BOB, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW)));
    expect(begins.filter((b) => b.status === 'fulfilled').length).toBe(4);
    expect(store.usage(BOB)).toBe(4 * blob.length);
  });

  it('keeps no byte of the file and not its exact size on the relay disk', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const marker = Buffer.from('DRAFT POSITION PAPER: FALLBACK OFFER 4.2 BILLION');
    const size = 123_457;
    const file = Buffer.alloc(size);
    for (let at = 0; at + marker.length <= size; at += marker.length) marker.copy(file, at);
    const enc = new AttachmentEncryptor(BINDING);
    const parts: Buffer[] = [];
    async function* source() {
      yield file;
    }
    for await (const p of enc.encrypt(source())) parts.push(p);
    const blob = Buffer.concat(parts);
    await upload(store, ALICE, blob, createHash('sha256').update(blob).digest());
    const onDisk = ['meta', 'uploads', 'ready'].flatMap((sub) => fs.readdirSync(path.join(dir, sub)).map((f) => fs.readFileSync(path.join(dir, sub, f))));
    expect(onDisk.length).toBe(2);
    for (const bytes of onDisk) {
      expect(bytes.includes(marker.subarray(0, 16))).toBe(false);
      expect(bytes.includes(Buffer.from(String(size)))).toBe(false);
    }
  });

  it('lists the blobs of a channel, finished or not, so that its wipe deletes them all', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest } = await encrypted(5000);
    const done = await upload(store, ALICE, blob, digest);
    const pending = await store.begin({ device: BOB, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    const elsewhere = await store.begin({ device: BOB, channelId: 'channel-2', length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    expect((await store.info(done.id))?.channelId).toBe(CHANNEL);
    const reopened = await FileBlobStore.open(dir, RULES);
    expect((await reopened.listByChannel(CHANNEL)).sort()).toEqual([done.id, pending.id].sort());
    for (const id of await reopened.listByChannel(CHANNEL)) await reopened.delete(id);
    expect(await reopened.listByChannel(CHANNEL)).toEqual([]);
    expect(await reopened.listByChannel('channel-2')).toEqual([elsewhere.id]);
    expect(await code(reopened.read(done.id))).toBe('BLOB_UNKNOWN');
  });

  it('lists expired uploads and blobs, and deleting them leaves no bytes on disk', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest } = await encrypted(5000);
    const done = await upload(store, ALICE, blob, digest);
    const pending = await store.begin({ device: BOB, channelId: CHANNEL, length: blob.length, expiresAtMs: NOW + DAY }, NOW);
    await store.append(pending.id, BOB, 0, blob.subarray(0, 1000));
    expect(await store.listExpired(NOW)).toEqual([]);
    expect(await store.listExpired(NOW + DAY)).toEqual([pending.id]);
    expect((await store.listExpired(NOW + 30 * DAY)).sort()).toEqual([done.id, pending.id].sort());
    for (const id of await store.listExpired(NOW + 30 * DAY)) expect(await store.delete(id)).toBe(true);
    for (const sub of ['meta', 'uploads', 'ready']) expect(fs.readdirSync(path.join(dir, sub))).toEqual([]);
    expect(store.usage(ALICE) + store.usage(BOB)).toBe(0);
  });

  it('completes a finish interrupted by a crash and removes files without a record', async () => {
    const store = await FileBlobStore.open(dir, RULES);
    const { blob, digest } = await encrypted(5000);
    const done = await upload(store, ALICE, blob, digest);
    // A crash after the "ready" record was written but before the bytes were renamed.
    fs.renameSync(path.join(dir, 'ready', done.id), path.join(dir, 'uploads', done.id));
    const stray = randomBytes(16).toString('hex');
    fs.writeFileSync(path.join(dir, 'uploads', stray), 'left by a crash in begin');
    fs.writeFileSync(path.join(dir, 'meta', `${stray}.json.tmp`), '{');
    const reopened = await FileBlobStore.open(dir, RULES);
    expect((await readAll(await reopened.read(done.id))).equals(blob)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'uploads'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'meta'))).toEqual([`${done.id}.json`]);
  });
});
