/**
 * The one rule for how any Valise program reaches a relay (engine, client CLI, valise-admin): over
 * `wss://` with the relay's certificate pinned (org.json `relayCertificateSha256`), except on this
 * machine's loopback (127.0.0.0/8, ::1, localhost), where plain `ws://` and no pin are allowed —
 * a local organisation's relay and tests live there, and no network sits in between.
 */
export function isLoopbackRelayUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  // The URL parser has normalised IPv4 (127.1 → 127.0.0.1) and compressed IPv6 already.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host.startsWith('127.');
  return host === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
}

/** Why this relay address may not be used with this pin, in words that say what to do; undefined when it may. */
export function relayTransportProblem(url: string, pinSha256: string | null | undefined): string | undefined {
  if (isLoopbackRelayUrl(url)) return undefined;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return `The relay address "${url}" is not a URL. Use wss://HOST:PORT.`;
  }
  if (protocol !== 'wss:') {
    return `The relay address ${url} is not encrypted: use wss:// (plain ws:// is allowed only on this machine's loopback, 127.0.0.1 or localhost).`;
  }
  if (!pinSha256) {
    return 'The organisation file pins no relay certificate: a wss:// relay needs relayCertificateSha256 in org.json (valise-admin init-org --relay-cert FILE writes it). Ask your security officer for a pinned org.json.';
  }
  return undefined;
}
