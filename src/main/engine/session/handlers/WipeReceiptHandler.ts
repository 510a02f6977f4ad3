/** A signed receipt for a wipe I issued: verified against my wipe commands, counted once committed. */
import { toBinary } from '@bufbuild/protobuf';
import type { TrustView } from '../../../../crypto/index.ts';
import { SignedRecordSchema, type SignedRecord } from '../../../../gen/valise/v1/common_pb.ts';
import type { Wipes } from '../Wipes.ts';
import { NOTHING, type Received, type ReceivedOf } from './events.ts';

export class WipeReceiptHandler {
  constructor(
    private readonly wipes: Pick<Wipes, 'match' | 'count'>,
    private readonly trust: (now: number) => TrustView,
  ) {}

  open(record: SignedRecord, now: number): Received {
    const r = this.wipes.match(toBinary(SignedRecordSchema, record), this.trust(now));
    return r ? { type: 'receipt', ...r } : NOTHING;
  }

  committed(v: ReceivedOf<'receipt'>): void {
    this.wipes.count(v.channelId, v.device, v.at);
  }
}
