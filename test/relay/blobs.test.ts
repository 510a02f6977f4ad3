/**
 * Attachments through the real relay: encrypted with the crypto layer's scheme, uploaded in
 * pieces, fetched by the channel's current member devices only, and deleted when every member
 * device acknowledged, when the channel is wiped and when the policy's lifetime passes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blobLength, decryptAttachment } from '../../src/crypto/index.ts';
import { hex } from '../../src/base/hex.ts';
import { RelayRefused } from '../../src/relay/errors.ts';
import type { RelayClient } from '../../src/relay/RelayClient.ts';
import { collect, once, sealFile } from './sealFile.ts';
import { changeChannel, createChannel, TestOrg, wipeCommand, type Peer } from './fixtures.ts';

const MiB = 1024 * 1024;
let org: TestOrg | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await org?.stop();
  org = undefined;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RelayRefused) return { code: e.code, message: e.userMessage };
    throw e;
  }
  throw new Error('expected a refusal');
}

function upload(client: RelayClient, channelId: Uint8Array, blob: Buffer, digest: Uint8Array) {
  return client.uploadBlob({ channelId, source: once(blob), length: blob.length, digest });
}

function blobFiles(dir: string): string[] {
  return ['uploads', 'ready'].flatMap((sub) => fs.readdirSync(path.join(dir, 'blobs', sub)));
}

async function orgWith(users: string[], o: Parameters<TestOrg['start']>[0] = {}) {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-blobs-'));
  org = await new TestOrg().start({ dataDir, ...o });
  const peers: Peer[] = [];
  for (const u of users) {
    await org.addUser(u);
    peers.push(await org.connect(await org.enrol(u)));
  }
  return { org, peers, dataDir };
}

describe('attachments on the relay', () => {
  it('two members exchange a 5 MiB encrypted file; a removed member and an outsider get the answer an unknown id gets', async () => {
    const { org: o, peers: [alice, bob, carol, mallory] } = await orgWith(['alice', 'bob', 'carol', 'mallory']);
    const state = await createChannel(alice!, ['bob', 'carol'], { allowAttachments: true });
    const file = randomBytes(5 * MiB);
    const sealed = await sealFile(state.channelId, file);
    expect(sealed.blob.length).toBe(blobLength(file.length));
    const progress: number[] = [];
    const blobId = await alice!.client.uploadBlob({
      channelId: state.channelId, source: once(sealed.blob), length: sealed.blob.length, digest: sealed.descriptor.digest,
      onProgress: (p) => progress.push(p.done),
    });
    expect(blobId.length).toBe(16);
    expect(progress.at(-1)).toBe(sealed.blob.length);
    expect(progress.every((d, i) => i === 0 || d >= progress[i - 1]!)).toBe(true);

    const opened = await collect(decryptAttachment(bob!.client.downloadBlob(blobId), sealed.descriptor, sealed.binding));
    expect(opened.equals(file)).toBe(true);

    // A download continues at an offset.
    const tail = await collect(bob!.client.downloadBlob(blobId, { offset: 1_000_000 }));
    expect(tail.equals(sealed.blob.subarray(1_000_000))).toBe(true);

    const unknown = await refusal(collect(bob!.client.downloadBlob(randomBytes(16))));
    expect(unknown.code).toBe('BLOB_UNKNOWN');
    expect(await refusal(collect(mallory!.client.downloadBlob(blobId)))).toEqual(unknown);
    expect(await refusal(mallory!.client.ackBlob(blobId))).toEqual(unknown);

    // Nobody but the uploading device can add to, continue or finish an upload.
    const pending = await alice!.client.request({ case: 'beginBlobUpload', value: { channelId: state.channelId, length: BigInt(sealed.blob.length) } }, 'blobUploadBegun');
    const foreign = { blobId: pending.blobId, offset: 0n, data: sealed.blob.subarray(0, 1000) };
    expect(await refusal(bob!.client.request({ case: 'appendBlob', value: foreign }, 'blobCommitted'))).toEqual(unknown);
    expect(await refusal(bob!.client.request({ case: 'resumeBlobUpload', value: { blobId: pending.blobId } }, 'blobCommitted'))).toEqual(unknown);
    // An unfinished upload cannot be fetched, not even by a member.
    expect(await refusal(collect(bob!.client.downloadBlob(pending.blobId)))).toEqual(unknown);

    await changeChannel(alice!, state, { members: state.members.filter((m) => m.userId !== 'carol') });
    expect(await refusal(collect(carol!.client.downloadBlob(blobId)))).toEqual(unknown);
    // An outsider cannot upload into the channel either.
    expect((await refusal(upload(mallory!.client, state.channelId, sealed.blob, sealed.descriptor.digest))).code).toBe('NOT_A_MEMBER');
    void o;
  }, 60_000);

  it('the relay checks the length and the digest: a damaged upload is dropped', async () => {
    const { peers: [alice] } = await orgWith(['alice']);
    const state = await createChannel(alice!, [], { allowAttachments: true });
    const sealed = await sealFile(state.channelId, randomBytes(3000));
    expect((await refusal(upload(alice!.client, state.channelId, sealed.blob.subarray(0, 100), sealed.descriptor.digest))).code).toBe('BLOB_BAD_LENGTH');
    const damaged = Buffer.from(sealed.blob);
    damaged[200]! ^= 1;
    expect((await refusal(upload(alice!.client, state.channelId, damaged, sealed.descriptor.digest))).code).toBe('BLOB_DIGEST_MISMATCH');
  }, 30_000);

  it('the blob is deleted once every member device at upload time acknowledged it or left', async () => {
    const { peers: [alice, bob, carol], dataDir: dir } = await orgWith(['alice', 'bob', 'carol']);
    let state = await createChannel(alice!, ['bob', 'carol'], { allowAttachments: true });
    const sealed = await sealFile(state.channelId, randomBytes(20_000));
    const first = await upload(alice!.client, state.channelId, sealed.blob, sealed.descriptor.digest);
    const second = await upload(alice!.client, state.channelId, sealed.blob, sealed.descriptor.digest);
    expect(blobFiles(dir)).toHaveLength(2);

    await bob!.client.ackBlob(first);
    expect(blobFiles(dir)).toHaveLength(2);
    // Carol can still fetch it: she has not acknowledged.
    expect((await collect(carol!.client.downloadBlob(first))).equals(sealed.blob)).toBe(true);
    await carol!.client.ackBlob(first);
    expect(blobFiles(dir)).toEqual([hex(second)]);
    expect((await refusal(collect(bob!.client.downloadBlob(first)))).code).toBe('BLOB_UNKNOWN');

    // Carol leaves before acknowledging the second: Bob's ack is the last one awaited.
    await bob!.client.ackBlob(second);
    expect(blobFiles(dir)).toHaveLength(1);
    state = await changeChannel(alice!, state, { members: state.members.filter((m) => m.userId !== 'carol') });
    expect(blobFiles(dir)).toHaveLength(0);
  }, 60_000);

  it('a wipe deletes the channel’s blobs on disk at once, finished or not', async () => {
    const { peers: [alice, bob], dataDir: dir } = await orgWith(['alice', 'bob']);
    const state = await createChannel(alice!, ['bob'], { allowAttachments: true });
    const sealed = await sealFile(state.channelId, randomBytes(100_000));
    const done = await upload(alice!.client, state.channelId, sealed.blob, sealed.descriptor.digest);
    await alice!.client.request({ case: 'beginBlobUpload', value: { channelId: state.channelId, length: BigInt(sealed.blob.length) } }, 'blobUploadBegun');
    expect(blobFiles(dir)).toHaveLength(2);
    const secret = sealed.blob.subarray(5000, 5064);
    expect(fs.readFileSync(path.join(dir, 'blobs', 'ready', hex(done))).includes(secret)).toBe(true);

    await alice!.client.sendWipe(wipeCommand(alice!, state));
    expect(blobFiles(dir)).toHaveLength(0);
    expect(fs.readdirSync(path.join(dir, 'blobs', 'meta'))).toHaveLength(0);
    expect((await refusal(collect(bob!.client.downloadBlob(done)))).code).toBe('BLOB_UNKNOWN');
  }, 30_000);

  it('the sweeper deletes a blob once the channel policy’s lifetime passed (manual clock)', async () => {
    let clock = Date.now();
    const { peers: [alice, bob], dataDir: dir } = await orgWith(['alice', 'bob'], { now: () => clock, sweepEveryMs: 25 });
    const state = await createChannel(alice!, ['bob'], { allowAttachments: true, messageLifetimeMs: 3600_000 });
    const sealed = await sealFile(state.channelId, randomBytes(10_000));
    const id = await upload(alice!.client, state.channelId, sealed.blob, sealed.descriptor.digest);
    clock += 3599_000;
    await new Promise((r) => setTimeout(r, 150));
    expect(blobFiles(dir)).toEqual([hex(id)]);
    clock += 2_000;
    const end = Date.now() + 5000;
    while (blobFiles(dir).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    expect(blobFiles(dir)).toHaveLength(0);
    expect((await refusal(collect(bob!.client.downloadBlob(id)))).code).toBe('BLOB_UNKNOWN');
  }, 30_000);

  it('the organisation’s size limit, the device quota and the channel policy reach the client as typed refusals', async () => {
    const { peers: [alice, bob] } = await orgWith(['alice', 'bob'], { limits: { maxAttachmentBytes: MiB, blobQuotaBytes: 2 * MiB } });
    const state = await createChannel(alice!, ['bob'], { allowAttachments: true });
    const begin = (c: RelayClient, length: number, channelId = state.channelId) =>
      c.request({ case: 'beginBlobUpload', value: { channelId, length: BigInt(length) } }, 'blobUploadBegun');

    const tooLarge = await refusal(begin(alice!.client, blobLength(MiB + 200_000)));
    expect(tooLarge.code).toBe('BLOB_TOO_LARGE');
    expect(tooLarge.message).toMatch(/larger than your organisation allows/);
    // Not a size bucket's length: the relay would learn an exact size.
    expect((await refusal(begin(alice!.client, blobLength(1000) + 1))).code).toBe('BLOB_BAD_LENGTH');

    await begin(alice!.client, blobLength(MiB));
    const quota = await refusal(begin(alice!.client, blobLength(MiB)));
    expect(quota.code).toBe('BLOB_QUOTA_EXCEEDED');
    // The quota is the device's own: another member's device still has room.
    await begin(bob!.client, blobLength(MiB));

    const closed = await createChannel(alice!, ['bob'], { allowAttachments: false });
    expect((await refusal(begin(bob!.client, blobLength(10), closed.channelId))).code).toBe('BLOB_NOT_ALLOWED');
  }, 30_000);
});
