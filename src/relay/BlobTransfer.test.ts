/**
 * The client side of blob transfers against a scripted relay: a continued upload reads past what
 * the relay holds without sending it, a dropped connection says where to continue, and a download
 * never has more than its window of ranges outstanding (memory stays bounded).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOB_PIECE_BYTES, downloadBlob, uploadBlob } from './BlobTransfer.ts';
import { BlobTransferInterrupted, RelayUnavailable } from './errors.ts';
import type { RelayClient } from './RelayClient.ts';

type Op = { case: string; value: Record<string, unknown> };

/** A relay holding one blob, answering after a tick; `dropAfter` appends fail as a dropped connection. */
function fakeRelay(blob: Buffer, o: { committed?: number; dropAfter?: number } = {}) {
  let committed = o.committed ?? 0;
  const held = Buffer.alloc(blob.length);
  blob.copy(held, 0, 0, committed);
  const sent: number[] = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  const client = {
    async request(op: Op) {
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      await new Promise((r) => setTimeout(r, 1));
      outstanding--;
      const v = op.value;
      switch (op.case) {
        case 'resumeBlobUpload':
          return { committed: BigInt(committed), length: BigInt(blob.length) };
        case 'appendBlob': {
          if (o.dropAfter !== undefined && sent.length >= o.dropAfter) throw new RelayUnavailable('connection closed');
          const data = v.data as Uint8Array;
          const offset = Number(v.offset);
          sent.push(offset);
          Buffer.from(data).copy(held, offset);
          committed = Math.max(committed, offset + data.length);
          return { committed: BigInt(committed), length: 0n };
        }
        case 'finishBlobUpload':
          return { committed: BigInt(committed), length: BigInt(blob.length) };
        case 'downloadBlob': {
          const offset = Number(v.offset);
          return { data: blob.subarray(offset, offset + Number(v.maxBytes)), totalLength: BigInt(blob.length) };
        }
      }
      throw new Error(`unexpected ${op.case}`);
    },
  } as unknown as RelayClient;
  return { client, sent, held, stats: () => ({ maxOutstanding }) };
}

async function* chunks(b: Buffer, size = 100_000): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < b.length; at += size) yield b.subarray(at, at + size);
}

const ID = new Uint8Array(16).fill(7);

describe('blob transfers', () => {
  it('a continued upload sends only what the relay does not hold', async () => {
    const blob = randomBytes(2_000_000);
    const relay = fakeRelay(blob, { committed: 700_001 });
    const done: number[] = [];
    const id = await uploadBlob(relay.client, { channelId: new Uint8Array(16), source: chunks(blob), length: blob.length, digest: new Uint8Array(32), blobId: ID, onProgress: (p) => done.push(p.done) });
    expect(id).toBe(ID);
    expect(relay.sent[0]).toBe(700_001);
    expect(relay.sent.every((o, i) => i === 0 || o === relay.sent[i - 1]! + BLOB_PIECE_BYTES)).toBe(true);
    expect(relay.held.equals(blob)).toBe(true);
    expect(done[0]).toBe(700_001);
    expect(relay.stats().maxOutstanding).toBeLessThanOrEqual(4);
    expect(done.at(-1)).toBe(blob.length);
  });

  it('a dropped connection reports the blob and the bytes the relay acknowledged', async () => {
    const blob = randomBytes(2_000_000);
    const relay = fakeRelay(blob, { dropAfter: 3 });
    const error = await uploadBlob(relay.client, { channelId: new Uint8Array(16), source: chunks(blob), length: blob.length, digest: () => new Uint8Array(32), blobId: ID }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobTransferInterrupted);
    expect((error as BlobTransferInterrupted).blobId).toBe(ID);
    expect((error as BlobTransferInterrupted).offset).toBeLessThanOrEqual(3 * BLOB_PIECE_BYTES);
  });

  it('a download yields the blob in order from an offset with at most its window of ranges outstanding', async () => {
    const blob = randomBytes(3_000_000);
    const relay = fakeRelay(blob);
    const parts: Buffer[] = [];
    for await (const p of downloadBlob(relay.client, ID, { offset: 12_345, window: 3 })) parts.push(Buffer.from(p));
    expect(Buffer.concat(parts).equals(blob.subarray(12_345))).toBe(true);
    expect(relay.stats().maxOutstanding).toBeLessThanOrEqual(3);
  });
});
