import { describe, expect, it } from 'vitest';
import { isLoopbackRelayUrl, relayTransportProblem } from './relayTransport.ts';

const PIN = 'ab'.repeat(32);

describe('relay transport rule', () => {
  it('allows ws:// and no pin on loopback only', () => {
    for (const u of ['ws://127.0.0.1:8443', 'ws://127.9.9.9', 'ws://localhost:1', 'ws://[::1]:80', 'ws://127.1:9', 'ws://[::ffff:127.0.0.1]', 'wss://localhost']) {
      expect(isLoopbackRelayUrl(u), u).toBe(true);
      expect(relayTransportProblem(u, null), u).toBeUndefined();
    }
    for (const u of ['ws://10.0.0.1', 'ws://relay.example', 'ws://127.0.0.1.example.net', 'ws://[::2]', 'ws://128.0.0.1']) {
      expect(isLoopbackRelayUrl(u), u).toBe(false);
      expect(relayTransportProblem(u, PIN), u).toMatch(/use wss:\/\//);
    }
  });

  it('requires a pin for a wss:// relay elsewhere', () => {
    expect(relayTransportProblem('wss://relay.example', null)).toMatch(/relayCertificateSha256/);
    expect(relayTransportProblem('wss://relay.example', '')).toMatch(/relayCertificateSha256/);
    expect(relayTransportProblem('wss://relay.example', PIN)).toBeUndefined();
  });
});
