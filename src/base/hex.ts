/** Bytes as lower-case hex and back: the form ids and keys take in JSON, SQL keys and map keys. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The bytes of a hex string (an odd trailing digit or a non-hex character ends the bytes, as Buffer does). */
export function unhex(s: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
