/**
 * Safety numbers (libsignal Fingerprint) for manual verification of a peer device's identity key:
 * 60 digits to read aloud and bytes for a QR code, the same on both sides.
 */
import { Fingerprint, ScannableFingerprint, type PublicKey } from '@signalapp/libsignal-client';
import { CodecError } from './errors.ts';
import { copy } from './signing.ts';

const ITERATIONS = 5200;
const VERSION = 2;
const encoder = new TextEncoder();

export interface SafetyNumber {
  /** 60 digits; show in groups of five. */
  digits: string;
  /** Bytes to encode in a QR code and compare with `compareScannable`. */
  scannable: Uint8Array;
}

export function safetyNumber(localUserId: string, localKey: PublicKey, remoteUserId: string, remoteKey: PublicKey): SafetyNumber {
  const f = Fingerprint.new(ITERATIONS, VERSION, encoder.encode(localUserId), localKey, encoder.encode(remoteUserId), remoteKey);
  return { digits: f.displayableFingerprint().toString(), scannable: f.scannableFingerprint().toBuffer() };
}

/** True when a scanned code is the other side's view of the same two keys. */
export function compareScannable(mine: Uint8Array, scanned: Uint8Array): boolean {
  try {
    return ScannableFingerprint._fromBuffer(copy(mine)).compare(ScannableFingerprint._fromBuffer(copy(scanned)));
  } catch (e) {
    // A version mismatch or a malformed code is reported, not treated as a match.
    throw new CodecError('safety number code', 'not a Valise safety number', { cause: e });
  }
}

/** Splits the digits into groups of five for display. */
export function formatSafetyNumber(digits: string): string {
  return digits.replace(/(\d{5})(?=\d)/g, '$1 ');
}
