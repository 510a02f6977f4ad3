/**
 * Why a delivery could not be opened decides what happens to it (issue 6 §3). Bad input — it
 * cannot be decrypted, its sender is not a member, a signature or certificate does not verify, it
 * is stale or malformed — will never open, so it is dropped: its dedupe marker and a content-free
 * audit entry commit with the batch and it is acknowledged, so it cannot block the queue. Anything
 * else — the database is busy or failing, the disk is full, the relay could not be asked, an error
 * we did not expect — says nothing about the delivery, so it is NOT acknowledged: the batch is
 * rolled back and the relay delivers it again after a reconnect. An error of no known type (a bug
 * in our code, say) is 'unexpected': retried like a transient one, but the pipeline gives up after a
 * few attempts so that one poisoned delivery cannot stall every later one for good.
 */
import { isValiseError } from '../../shared/errors.ts';

export type ReceiveFault = 'bad-input' | 'transient' | 'unexpected';

/** Codes of the 'usage' and 'state' kinds that still mean "this delivery will never open". */
const BAD_INPUT_CODES = new Set([
  'NOT_A_MEMBER', // a channel message or sender key from someone not in the channel
  'NO_SESSION', // a 1:1 message for a session this device does not have
  'WIPE_STATE_MISMATCH',
  'WIPE_NOT_ALLOWED',
  'WIPE_RECEIPT_MISMATCH',
  'CONFLICT', // a channel change that does not apply (fork, rollback, unauthorised signer)
  'STORAGE_NOT_FOUND', // a prekey message naming a prekey that was already used
]);

/** A refusal by the relay that only says "not now". */
const TRANSIENT_CODES = new Set(['RATE_LIMITED', 'RELAY_UNAVAILABLE', 'OFFLINE']);

export function classifyReceiveError(e: unknown): ReceiveFault {
  if (!isValiseError(e)) {
    // SQLite's own errors (busy, locked, I/O, disk full) pass through the storage layer unwrapped.
    const code = (e as { code?: unknown } | null)?.code;
    return typeof code === 'string' && code.startsWith('SQLITE_') ? 'transient' : 'unexpected';
  }
  if (TRANSIENT_CODES.has(e.code)) return 'transient';
  if (BAD_INPUT_CODES.has(e.code)) return 'bad-input';
  return e.kind === 'input' || e.kind === 'verification' ? 'bad-input' : 'transient';
}

/** A log- and audit-safe code for why an item did not open (never content). */
export function faultCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'INTERNAL';
}

/** Thrown out of a receive batch so that nothing of it commits; the relay delivers it again. */
export class RedeliveryNeeded extends Error {
  constructor(
    readonly deliveryKind: string,
    options: { cause: unknown },
  ) {
    super('a delivery could not be opened for a passing reason; the batch waits for redelivery', options);
    this.name = 'RedeliveryNeeded';
  }
}
