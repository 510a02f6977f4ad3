/**
 * The handlers of the attachment blob requests (relay/Blobs.ts decides who may do what). Each
 * answers once the blob store made its change durable, so none waits for the relay store's sync.
 */
import { RelayError } from '../relay/errors.ts';
import type { BlobRequestKind, Handler } from './requestHandlers.ts';

/** A uint64 from the wire as a number; anything beyond 2^53 is no length or offset the relay holds. */
function count(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RelayError('BAD_REQUEST', 'A length or offset is out of range.');
  return Number(n);
}

export const BLOB_HANDLERS: { [K in BlobRequestKind]: Handler<K> } = {
  beginBlobUpload: {
    writes: false,
    async run(c, v) {
      const r = await c.relay.blobs.begin(c.requireDevice(), v.channelId, count(v.length));
      return { case: 'blobUploadBegun', value: { blobId: r.blobId, committed: BigInt(r.committed) } };
    },
  },
  appendBlob: {
    writes: false,
    // No await before the store's append: appends in flight on one connection keep their order.
    run(c, v) {
      let offset: number;
      try {
        offset = count(v.offset);
      } catch (e) {
        return Promise.reject(e);
      }
      return c.relay.blobs.append(c.requireDevice(), v.blobId, offset, v.data).then((r) => ({
        case: 'blobCommitted',
        value: { committed: BigInt(r.committed), length: 0n },
      }));
    },
  },
  resumeBlobUpload: {
    writes: false,
    async run(c, v) {
      const r = await c.relay.blobs.resume(c.requireDevice(), v.blobId);
      return { case: 'blobCommitted', value: { committed: BigInt(r.committed), length: BigInt(r.length) } };
    },
  },
  finishBlobUpload: {
    writes: false,
    async run(c, v) {
      const r = await c.relay.blobs.finish(c.requireDevice(), v.blobId, v.digest, count(v.length));
      return { case: 'blobCommitted', value: { committed: BigInt(r.committed), length: BigInt(r.length) } };
    },
  },
  downloadBlob: {
    writes: false,
    async run(c, v) {
      const r = await c.relay.blobs.download(c.requireDevice(), v.blobId, count(v.offset), v.maxBytes);
      return { case: 'blobData', value: { data: r.data, totalLength: BigInt(r.totalLength) } };
    },
  },
  ackBlob: {
    writes: false,
    async run(c, v) {
      await c.relay.blobs.ack(c.requireDevice(), v.blobId);
      return { case: 'ok', value: {} };
    },
  },
};
