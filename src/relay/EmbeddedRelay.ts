/**
 * The contract between the client engine and a relay it hosts itself ("start a local organisation
 * on this machine"): the engine never imports the relay's code; its composition root hands it the
 * server's `startRelay`, which satisfies this shape.
 */
import type { Logger } from 'pino';

export interface EmbeddedRelayOptions {
  orgId: string;
  /** The organisation root public key (serialized), pinned. */
  orgPublicKey: Uint8Array;
  host?: string;
  /** 0 lets the OS choose. */
  port?: number;
  /** Directory of the relay's store. */
  dataDir?: string;
  logger?: Logger;
}

export interface EmbeddedRelay {
  url: string;
  port: number;
  /** Stops accepting, closes every connection and flushes the store. */
  close(): Promise<void>;
}

export type StartEmbeddedRelay = (o: EmbeddedRelayOptions) => Promise<EmbeddedRelay>;
