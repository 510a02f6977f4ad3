/** Rows of the SQLite relay store read back into the store's records. */
import type { DeviceRecord, EnrolmentRecord, MemberRecord } from './RelayStore.ts';

/** A BLOB column as bytes, without a copy. */
export const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function memberOf(r: Record<string, unknown>): MemberRecord {
  return {
    userId: r.user_id as string,
    displayName: r.display_name as string,
    clearance: r.clearance as number,
    roles: (r.roles as string).split(',').filter(Boolean),
    serial: BigInt(r.serial as string),
    certificate: u8(r.certificate as Buffer),
  };
}

export function deviceOf(r: Record<string, unknown>): DeviceRecord {
  return {
    userId: r.user_id as string,
    deviceId: r.device_id as number,
    identityKey: u8(r.identity_key as Buffer),
    serial: BigInt(r.serial as string),
    notAfterMs: r.not_after_ms as number,
    certificate: u8(r.certificate as Buffer),
  };
}

export function enrolmentOf(r: Record<string, unknown>): EnrolmentRecord {
  return {
    requestId: r.request_id as string,
    request: u8(r.request as Buffer),
    displayName: r.display_name as string,
    submittedMs: r.submitted_ms as number,
    ...(r.user_id ? { userId: r.user_id as string } : {}),
    ...(r.device_certificate ? { deviceCertificate: u8(r.device_certificate as Buffer) } : {}),
    ...(r.nonce_record ? { nonceRecord: u8(r.nonce_record as Buffer) } : {}),
  };
}
