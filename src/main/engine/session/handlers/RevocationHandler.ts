/** A revocation from the relay: trusted (it is signed by the organisation) and stored. Applied outside the receive batch. */
import type { Revocation } from '../../../../crypto/index.ts';
import type { Directory } from '../Directory.ts';
import type { SessionContext } from '../SessionContext.ts';

export class RevocationHandler {
  constructor(
    private readonly c: SessionContext,
    private readonly directory: Directory,
    /** Accepted: the channels concerned move to a new epoch. */
    private readonly accepted: (r: Revocation) => void = () => undefined,
  ) {}

  async handle(payload: Uint8Array): Promise<void> {
    const { trust } = this.directory;
    const rev = this.directory.tryTrust(() => trust.addRevocation(payload));
    if (!rev) return;
    await this.c.store.repos.records.saveRevocation(payload);
    this.accepted(rev);
  }
}
