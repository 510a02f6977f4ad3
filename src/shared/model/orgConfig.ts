/**
 * `org.json`: what clients and the relay pin about an organisation (DESIGN.md §4) — its id and
 * name, the root public key, the relay address and its certificate pin, the classification labels
 * and the records office. Written by `valise-admin init-org` (or by "start a local organisation");
 * read by the relay (`--org`) and by clients joining the organisation. This is the one schema of
 * the file; each reader applies its own defaults and says which fields it cannot do without.
 */
import { z } from 'zod';
import { isSafeText, UNSAFE_TEXT_MESSAGE } from './safeText.ts';

const Base64 = z.string().regex(/^[A-Za-z0-9+/=_-]+$/);
/** Names every member reads (organisation, classification labels): visible characters only. */
const Label = z.string().refine(isSafeText, UNSAFE_TEXT_MESSAGE);

export const OrgConfigSchema = z.object({
  /** Written as 1; files without it are read as version 1. */
  version: z.literal(1).optional(),
  orgId: z.string().min(1).max(128),
  name: Label.max(200).optional(),
  /** The organisation root public key (libsignal serialized), base64. `rootPublicKey` is accepted too. */
  orgPublicKey: Base64.optional(),
  rootPublicKey: Base64.optional(),
  relayUrl: z.string().regex(/^wss?:\/\//).optional(),
  /** SHA-256 (hex) of the relay's TLS certificate: a `wss:` relay must present exactly this one. Empty or absent: not pinned. */
  relayCertificateSha256: z.string().regex(/^([0-9a-fA-F]{64})?$/).optional(),
  classifications: z
    .array(z.object({ level: z.number().int().nonnegative(), label: Label, short: Label, colour: z.string() }))
    .min(1)
    .optional(),
  recordsUserId: z.string().optional(),
  /** True for "start a local organisation on this machine": the UI labels it so. */
  local: z.boolean().optional(),
});

export type OrgConfigFile = z.infer<typeof OrgConfigSchema>;

/** The root public key as written (base64), under either of its names. */
export function orgKeyBase64(f: Pick<OrgConfigFile, 'orgPublicKey' | 'rootPublicKey'>): string | undefined {
  return f.orgPublicKey ?? f.rootPublicKey;
}

/** The relay certificate pin in lower-case hex, or null when the file pins none. */
export function relayPinOf(f: Pick<OrgConfigFile, 'relayCertificateSha256'>): string | null {
  return f.relayCertificateSha256 ? f.relayCertificateSha256.toLowerCase() : null;
}
