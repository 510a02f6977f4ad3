/**
 * A key provider protects the profile's 32-byte database key (DESIGN.md §6). It turns the key into
 * a few JSON fields stored in the key file beside the database, and back. The raw key is never
 * written to disk.
 */
export const KEY_PROVIDER_KINDS = ['os-keystore', 'tpm2', 'pkcs11', 'passphrase'] as const;
export type KeyProviderKind = (typeof KEY_PROVIDER_KINDS)[number];

/** Provider-specific fields of the key file (base64 strings, numbers, labels). */
export type WrappedFields = Record<string, string | number | boolean>;

export interface KeyProvider {
  readonly kind: KeyProviderKind;
  /** True when a hardware element (TPM, token) must take part in unlocking; org policy can require it. */
  readonly hardwareBacked: boolean;
  wrap(dbKey: Buffer): Promise<WrappedFields>;
  /**
   * Recovers the key. Throws WrongKey for a wrong secret (passphrase, PIN), KeyProviderUnavailable
   * when the backend is missing or changed, KeyFileTampered when the fields are malformed.
   */
  unwrap(fields: WrappedFields): Promise<Buffer>;
  /**
   * Erasing the profile: destroys whatever outside the key file can still recover the key from
   * these fields (a token key made for this profile). Afterwards even a copy of the key file,
   * with the right secret, opens nothing. A no-op where the key file is all there is.
   */
  destroy(fields: WrappedFields): Promise<void>;
}

export function str(fields: WrappedFields, name: string): string {
  const v = fields[name];
  if (typeof v !== 'string') throw new TypeError(`key file field "${name}" must be a string`);
  return v;
}

export function num(fields: WrappedFields, name: string): number {
  const v = fields[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`key file field "${name}" must be an integer`);
  return v;
}
