/**
 * `org.json`: what clients and the relay pin about an organisation (DESIGN.md §4) — its id, root
 * public key, relay address and classification labels. Written by `valise-admin init-org`; read by
 * the relay (`--org`) and by clients joining the organisation.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { DEFAULT_CLASSIFICATIONS, type ClassificationLevel } from '../shared/model/classification.ts';

export const OrgConfigSchema = z.object({
  version: z.literal(1),
  orgId: z.string().min(1).max(128),
  name: z.string().max(200).default(''),
  /** The organisation root public key, serialized, base64. */
  orgPublicKey: z.string().min(40).max(100),
  relayUrl: z.string().regex(/^wss?:\/\//),
  /** SHA-256 (hex) of the relay's TLS certificate, for pinning; empty when not pinned. */
  relayCertificateSha256: z.string().regex(/^([0-9a-f]{64})?$/).default(''),
  classifications: z
    .array(z.object({ level: z.number().int().min(0), label: z.string().min(1), short: z.string().min(1), colour: z.string().min(1) }))
    .min(1)
    .default([...DEFAULT_CLASSIFICATIONS]),
  /** True for "start a local organisation on this machine": the UI labels it so. */
  local: z.boolean().default(false),
});

export type OrgConfig = z.infer<typeof OrgConfigSchema> & { classifications: ClassificationLevel[] };

export class OrgConfigError extends Error {}

export function readOrgConfig(file: string): OrgConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new OrgConfigError(`Cannot read the organisation file ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = OrgConfigSchema.safeParse(raw);
  if (!r.success) throw new OrgConfigError(`The organisation file ${file} is not valid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function orgPublicKeyBytes(c: Pick<OrgConfig, 'orgPublicKey'>): Uint8Array {
  return new Uint8Array(Buffer.from(c.orgPublicKey, 'base64'));
}
