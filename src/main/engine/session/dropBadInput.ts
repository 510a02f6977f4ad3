import type { Repositories } from '../../../storage/index.ts';
import type { Delivery } from '../ReceivePipeline.ts';
import { faultCode } from '../receiveFault.ts';

/** Bad input is dropped for good: its dedupe marker and a content-free audit entry, written together. */
export function dropBadInput(r: Repositories, del: Delivery, e: unknown, at: number): void {
  r.received.markReceived(del.id, at);
  r.audit.append({ actor: 'relay', action: 'delivery-dropped', subject: `${del.kind} ${del.id}`, detail: faultCode(e), at });
}
