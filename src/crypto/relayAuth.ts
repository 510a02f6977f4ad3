/**
 * Device authentication to the relay (DESIGN.md §7): the device signs the connection's fresh
 * challenge with its identity key; the relay checks it against the key in the device certificate.
 */
import type { PrivateKey, PublicKey } from '@signalapp/libsignal-client';
import { CONTEXT, signBytes, verifyBytes } from './signing.ts';

export function signAuthChallenge(identityKey: PrivateKey, challenge: Uint8Array): Uint8Array<ArrayBuffer> {
  return signBytes(identityKey, CONTEXT.relayAuth, challenge);
}

/** True only if `signature` is the identity key's signature over exactly this challenge. */
export function verifyAuthChallenge(identityKey: PublicKey, challenge: Uint8Array, signature: Uint8Array): boolean {
  if (challenge.length < 16) return false;
  return verifyBytes(identityKey, CONTEXT.relayAuth, challenge, signature);
}

/** The security officer's admin connection: the org root key signs the challenge. */
export function signAdminChallenge(orgRootKey: PrivateKey, challenge: Uint8Array): Uint8Array<ArrayBuffer> {
  return signBytes(orgRootKey, CONTEXT.adminAuth, challenge);
}

export function verifyAdminChallenge(orgRootKey: PublicKey, challenge: Uint8Array, signature: Uint8Array): boolean {
  if (challenge.length < 16) return false;
  return verifyBytes(orgRootKey, CONTEXT.adminAuth, challenge, signature);
}
