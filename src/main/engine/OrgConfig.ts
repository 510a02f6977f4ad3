/**
 * The engine's reading of org.json (schema: shared/model/orgConfig.ts): the root key as bytes, the
 * relay address (which the caller may override), the pin, and the defaults a client applies.
 */
import { DEFAULT_CLASSIFICATIONS, type ClassificationLevel } from '../../shared/model/classification.ts';
import { OrgConfigSchema, orgKeyBase64, relayPinOf } from '../../shared/model/orgConfig.ts';
import { parseJson } from '../../shared/parseJson.ts';
import { ApiError } from './errors.ts';

export interface OrgConfig {
  orgId: string;
  name: string;
  orgPublicKey: Uint8Array;
  relayUrl: string;
  /** The pinned relay certificate's SHA-256 (lower-case hex), or null: ordinary TLS verification. */
  relayPinSha256: string | null;
  classifications: ClassificationLevel[];
  recordsUserId: string | null;
  local: boolean;
}

export function parseOrgConfig(text: string, relayUrlOverride?: string): OrgConfig {
  const r = parseJson(text, OrgConfigSchema);
  const key = r.ok ? orgKeyBase64(r.data) : undefined;
  const relayUrl = relayUrlOverride ?? (r.ok ? r.data.relayUrl : undefined);
  if (!r.ok || !key || !relayUrl) throw new ApiError('BAD_ORG_CONFIG', r.ok ? undefined : { cause: r.cause });
  return {
    orgId: r.data.orgId,
    name: r.data.name ?? r.data.orgId,
    orgPublicKey: new Uint8Array(Buffer.from(key, 'base64')),
    relayUrl,
    relayPinSha256: relayPinOf(r.data),
    classifications: r.data.classifications ?? [...DEFAULT_CLASSIFICATIONS],
    recordsUserId: r.data.recordsUserId ?? null,
    local: r.data.local ?? false,
  };
}

export function serializeOrgConfig(c: OrgConfig): string {
  return JSON.stringify(
    {
      version: 1,
      orgId: c.orgId,
      name: c.name,
      orgPublicKey: Buffer.from(c.orgPublicKey).toString('base64'),
      relayUrl: c.relayUrl,
      ...(c.relayPinSha256 ? { relayCertificateSha256: c.relayPinSha256 } : {}),
      classifications: c.classifications,
      ...(c.recordsUserId ? { recordsUserId: c.recordsUserId } : {}),
      ...(c.local ? { local: true } : {}),
    },
    null,
    2,
  );
}

/** How to reach the relay of this organisation: with its certificate pinned when org.json names one. */
export function relayClientOptions(c: Pick<OrgConfig, 'relayPinSha256'>): { pinSha256?: string } {
  return c.relayPinSha256 ? { pinSha256: c.relayPinSha256 } : {};
}
