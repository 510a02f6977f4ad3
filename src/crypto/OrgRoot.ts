/**
 * The organisation root key (DESIGN.md §4): kept offline by the security office; its public key is
 * pinned in every client's and the server's org config.
 */
import { PrivateKey, type PublicKey } from '@signalapp/libsignal-client';
import { copy, publicKeyFrom } from './signing.ts';
import { CodecError } from './errors.ts';

export interface OrgRootKey {
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
}

export function generateOrgRootKey(): OrgRootKey {
  const privateKey = PrivateKey.generate();
  return { privateKey, publicKey: privateKey.getPublicKey() };
}

/** Restores the root key from its 32 serialized private bytes (e.g. after unsealing). */
export function orgRootKeyFromBytes(privateBytes: Uint8Array): OrgRootKey {
  let privateKey: PrivateKey;
  try {
    privateKey = PrivateKey.deserialize(copy(privateBytes));
  } catch (e) {
    throw new CodecError('organisation root key', 'not a private key', { cause: e });
  }
  return { privateKey, publicKey: privateKey.getPublicKey() };
}

/** The pinned organisation identity every verifier needs. */
export interface OrgIdentity {
  readonly orgId: string;
  readonly rootPublicKey: PublicKey;
}

export function orgIdentity(orgId: string, rootPublicKeyBytes: Uint8Array): OrgIdentity {
  return { orgId, rootPublicKey: publicKeyFrom(rootPublicKeyBytes, 'organisation root key') };
}
