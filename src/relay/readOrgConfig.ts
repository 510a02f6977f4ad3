/**
 * Reads `org.json` from disk for the relay (`--org`) and `valise-admin` (schema:
 * shared/model/orgConfig.ts). Both need the root key and the relay address, so a file without them
 * is refused here; the defaults are those `valise-admin init-org` writes.
 */
import fs from 'node:fs';
import { DEFAULT_CLASSIFICATIONS, type ClassificationLevel } from '../shared/model/classification.ts';
import { OrgConfigSchema, orgKeyBase64, relayPinOf } from '../shared/model/orgConfig.ts';
import { parseJson } from '../shared/parseJson.ts';

/** org.json as valise-admin writes it, with every default filled in. */
export interface OrgFile {
  version: 1;
  orgId: string;
  name: string;
  /** The organisation root public key, serialized, base64. */
  orgPublicKey: string;
  relayUrl: string;
  /** SHA-256 (lower-case hex) of the relay's TLS certificate, for pinning; empty when not pinned. */
  relayCertificateSha256: string;
  classifications: ClassificationLevel[];
  recordsUserId?: string;
  /** True for "start a local organisation on this machine": the UI labels it so. */
  local: boolean;
}

export class OrgConfigError extends Error {}

export function readOrgConfig(file: string): OrgFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new OrgConfigError(`Cannot read the organisation file ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = parseJson(text, OrgConfigSchema);
  if (!r.ok && r.unreadable) throw new OrgConfigError(`Cannot read the organisation file ${file}: ${r.detail}`);
  if (!r.ok) throw new OrgConfigError(`The organisation file ${file} is not valid: ${r.detail}`);
  const key = orgKeyBase64(r.data);
  const missing = [...(key ? [] : ['orgPublicKey']), ...(r.data.relayUrl ? [] : ['relayUrl'])];
  if (!key || !r.data.relayUrl) throw new OrgConfigError(`The organisation file ${file} is not valid: ${missing.map((f) => `${f}: required`).join('; ')}`);
  return {
    version: 1,
    orgId: r.data.orgId,
    name: r.data.name ?? '',
    orgPublicKey: key,
    relayUrl: r.data.relayUrl,
    relayCertificateSha256: relayPinOf(r.data) ?? '',
    classifications: r.data.classifications ?? [...DEFAULT_CLASSIFICATIONS],
    ...(r.data.recordsUserId ? { recordsUserId: r.data.recordsUserId } : {}),
    local: r.data.local ?? false,
  };
}

export function orgPublicKeyBytes(c: Pick<OrgFile, 'orgPublicKey'>): Uint8Array {
  return new Uint8Array(Buffer.from(c.orgPublicKey, 'base64'));
}
