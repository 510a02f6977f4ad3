/**
 * org.json: what a client needs to join an organisation — its id and name, the pinned root public
 * key, the relay address, and optionally its classification labels and records office. Written by
 * `valise-admin init-org` (or by "start a local organisation"); read at enrolment.
 */
import { z } from 'zod';
import { ClassificationSchema } from '../../shared/api/schemas.ts';
import { DEFAULT_CLASSIFICATIONS, type ClassificationLevel } from '../../shared/model/classification.ts';
import { ApiError } from './errors.ts';

const Base64 = z.string().regex(/^[A-Za-z0-9+/=_-]+$/);

const OrgConfigSchema = z.object({
  orgId: z.string().min(1).max(128),
  name: z.string().max(200).optional(),
  /** The organisation root public key (libsignal serialized), base64. `rootPublicKey` is accepted too. */
  orgPublicKey: Base64.optional(),
  rootPublicKey: Base64.optional(),
  relayUrl: z.string().regex(/^wss?:\/\//).optional(),
  /** SHA-256 (hex) of the relay's TLS certificate: a `wss:` relay must present exactly this one. Empty (as valise-admin writes it) or absent: not pinned. */
  relayCertificateSha256: z.string().regex(/^([0-9a-fA-F]{64})?$/).optional(),
  classifications: z.array(ClassificationSchema).min(1).optional(),
  recordsUserId: z.string().optional(),
  local: z.boolean().optional(),
});

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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ApiError('BAD_ORG_CONFIG', { cause: e });
  }
  const r = OrgConfigSchema.safeParse(raw);
  const key = r.success ? (r.data.orgPublicKey ?? r.data.rootPublicKey) : undefined;
  const relayUrl = relayUrlOverride ?? (r.success ? r.data.relayUrl : undefined);
  if (!r.success || !key || !relayUrl) throw new ApiError('BAD_ORG_CONFIG', r.success ? undefined : { cause: r.error });
  return {
    orgId: r.data.orgId,
    name: r.data.name ?? r.data.orgId,
    orgPublicKey: new Uint8Array(Buffer.from(key, 'base64')),
    relayUrl,
    relayPinSha256: r.data.relayCertificateSha256?.toLowerCase() ?? null,
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
