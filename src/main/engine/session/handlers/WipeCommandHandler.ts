/**
 * A wipe command from the relay, applied outside the receive batch after everything queued before
 * it: verified against the channel's state, applied here, and answered with a signed receipt to
 * the issuer.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { decodeWipeCommand, signWipeReceipt, verifyWipeCommand } from '../../../../crypto/index.ts';
import { SignedRecordSchema } from '../../../../gen/valise/v1/common_pb.ts';
import type { RelayClient } from '../../../../relay/RelayClient.ts';
import type { Peers } from '../../Peers.ts';
import { hex } from '../../views.ts';
import type { ChannelBook } from '../ChannelBook.ts';
import type { Directory } from '../Directory.ts';
import type { SessionContext } from '../SessionContext.ts';

export interface WipeCommandDeps {
  book: ChannelBook;
  directory: Directory;
  peers: Pick<Peers, 'send'>;
  wipeHere: (channelId: string) => void;
}

export class WipeCommandHandler {
  constructor(
    private readonly c: SessionContext,
    private readonly d: WipeCommandDeps,
  ) {}

  async handle(payload: Uint8Array, relay: RelayClient | null): Promise<void> {
    const now = this.c.clock.now();
    const cmd = decodeWipeCommand(payload);
    const id = hex(cmd.channelId);
    const entry = this.d.book.get(id);
    if (!entry || entry.state.status === 'wiped') return;
    // The issuer may be a security officer who is not a member, enrolled after our last look.
    await this.d.directory.knowAll([cmd.issuer.userId], cmd.issuer);
    const verified = verifyWipeCommand(payload, entry.state, this.d.directory.trust.view(now));
    this.d.wipeHere(id);
    if (relay) {
      const receipt = signWipeReceipt(this.c.identity.identityKeyPair.privateKey, this.c.meRef, verified, now);
      const record = fromBinary(SignedRecordSchema, receipt);
      await this.d.peers.send(relay, verified.issuer, new Uint8Array(0), { body: { case: 'control', value: { kind: { case: 'wipeReceipt', value: record } } } });
    }
  }
}
