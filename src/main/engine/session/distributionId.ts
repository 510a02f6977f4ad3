import { hex } from '../views.ts';

/** A sender-key distribution id (16 bytes) in the UUID form the protocol stores key it by. */
export function distributionIdOf(bytes: Uint8Array): string {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
