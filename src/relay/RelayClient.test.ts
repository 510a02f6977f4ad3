import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ServerFrameSchema } from '../gen/valise/v1/relay_pb.ts';
import { RelayClient } from './RelayClient.ts';

/** A server that completes the handshake and then never answers: the client must not hang. */
async function silentServer(): Promise<{ url: string; close: () => void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => ws.once('message', () => {
    ws.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: 'welcome', value: { protocolVersion: 1, challenge: new Uint8Array(32) } } })));
  }));
  await new Promise((r) => wss.once('listening', r));
  return { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, close: () => wss.close() };
}

describe('RelayClient', () => {
  it('times out a request the relay never answers, and fails pending requests when the connection drops', async () => {
    const server = await silentServer();
    const c = await RelayClient.connect(server.url, { timeoutMs: 300 });
    await expect(c.request({ case: 'prekeyCount', value: {} }, 'prekeyCount')).rejects.toMatchObject({ code: 'RELAY_UNAVAILABLE' });
    const pending = c.request({ case: 'prekeyCount', value: {} }, 'prekeyCount');
    c.kill();
    await expect(pending).rejects.toMatchObject({ code: 'RELAY_UNAVAILABLE' });
    await expect(c.request({ case: 'prekeyCount', value: {} }, 'prekeyCount')).rejects.toMatchObject({ code: 'RELAY_UNAVAILABLE' });
    server.close();
  });

  it('fails to connect with a typed error when nothing listens', async () => {
    const server = await silentServer();
    const url = server.url;
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(RelayClient.connect(url, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'RELAY_UNAVAILABLE' });
  });
});
