/**
 * `valise-admin init-org`: a new organisation root key (passphrase-encrypted) and its org.json.
 * The relay must be reached over wss:// with its certificate pinned unless it is on this machine's
 * loopback (shared/model/relayTransport.ts), so org.json never sends clients to an unpinned relay.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateOrgRootKey } from '../../crypto/index.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { relayTransportProblem } from '../../shared/model/relayTransport.ts';
import type { OrgFile } from '../../relay/readOrgConfig.ts';
import { AdminError } from './AdminError.ts';
import { writeRootKeyFile } from './RootKeyFile.ts';

export const ORG_FILE = 'org.json';
export const ROOT_KEY_FILE = 'org-root.key';

export interface InitOrgOptions {
  dir: string;
  orgId?: string;
  name?: string;
  relayUrl: string;
  /** SHA-256 (hex) of the relay's TLS certificate; or give `relayCertFile`. Required unless the relay is on loopback. */
  relayCertSha256?: string;
  /** The relay's certificate (PEM), whose SHA-256 org.json pins. */
  relayCertFile?: string;
  passphrase: string;
  /** Argon2id parameters (tests use cheaper ones). */
  kdf?: { memoryCost: number; timeCost: number; parallelism: number };
  local?: boolean;
}

export async function initOrg(o: InitOrgOptions): Promise<OrgFile> {
  const orgFile = path.join(o.dir, ORG_FILE);
  const keyFile = path.join(o.dir, ROOT_KEY_FILE);
  if (fs.existsSync(orgFile) || fs.existsSync(keyFile)) throw new AdminError(`${o.dir} holds an organisation already; refusing to overwrite it.`);
  const pin = relayPin(o);
  const problem = relayTransportProblem(o.relayUrl, pin);
  if (problem) throw new AdminError(`${problem} Give init-org a wss:// --relay-url and --relay-cert FILE or --relay-cert-sha256 HEX.`, 'RELAY_NOT_PINNED');
  fs.mkdirSync(o.dir, { recursive: true });
  const root = generateOrgRootKey();
  const orgId = o.orgId ?? `org-${randomBytes(6).toString('hex')}`;
  await writeRootKeyFile(keyFile, orgId, root.privateKey.serialize(), o.passphrase, o.kdf);
  const config: OrgFile = {
    version: 1,
    orgId,
    name: o.name ?? '',
    orgPublicKey: Buffer.from(root.publicKey.serialize()).toString('base64'),
    relayUrl: o.relayUrl,
    relayCertificateSha256: pin,
    classifications: [...DEFAULT_CLASSIFICATIONS],
    local: o.local ?? false,
  };
  fs.writeFileSync(orgFile, JSON.stringify(config, null, 2) + '\n');
  return config;
}

function relayPin(o: Pick<InitOrgOptions, 'relayCertSha256' | 'relayCertFile'>): string {
  if (o.relayCertFile) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(fs.readFileSync(o.relayCertFile));
    } catch (e) {
      throw new AdminError(`Cannot read the relay certificate ${o.relayCertFile} (${e instanceof Error ? e.message : String(e)}). Give the relay's PEM certificate file.`, 'RELAY_NOT_PINNED');
    }
    return createHash('sha256').update(cert.raw).digest('hex');
  }
  const hex = (o.relayCertSha256 ?? '').replace(/:/g, '').toLowerCase();
  if (hex && !/^[0-9a-f]{64}$/.test(hex)) throw new AdminError('--relay-cert-sha256 must be the 64 hex digits of the certificate\'s SHA-256.', 'RELAY_NOT_PINNED');
  return hex;
}
