/**
 * The browser-mode API transport: the contract's JSON frames over a WebSocket at /api on the
 * BrowserHost's own http server. An upgrade is accepted only from loopback, with the session
 * cookie and our own Origin (so no other site, and no other local user, can drive the engine).
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatchFrame, errorBody } from '../../shared/api/dispatch.ts';
import { MAX_FRAME_CHARS, RequestFrameSchema, type ServerFrame } from '../../shared/api/frames.ts';
import type { ApiService } from './ApiService.ts';
import { EventBatches } from './EventBatches.ts';

export const API_SOCKET_PATH = '/api';

export interface ApiSocketHost {
  readonly httpServer: http.Server;
  isAuthorisedUpgrade(req: http.IncomingMessage): boolean;
}

export interface ApiSocket {
  /** Open connections (tests, diagnostics). */
  readonly connections: number;
  close(): Promise<void>;
}

export function attachApiSocket(host: ApiSocketHost, service: ApiService, log?: Logger): ApiSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_CHARS, perMessageDeflate: false });
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== API_SOCKET_PATH || !host.isAuthorisedUpgrade(req)) {
      log?.warn({ path }, 'refused API upgrade');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  };
  host.httpServer.on('upgrade', onUpgrade);

  function serve(ws: WebSocket): void {
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const batches = new EventBatches((events) => send({ events }));
    const unsubscribe = service.onEvent((event) => batches.add(event));
    ws.on('close', unsubscribe);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        return ws.close(1007, 'not JSON');
      }
      if (!RequestFrameSchema.safeParse(raw).success) return ws.close(1008, 'not a request frame');
      void dispatchFrame(service, raw, (e, method) => {
        // Code and method only: params and results can hold message text.
        log?.info({ method, code: errorBody(e).code }, 'API call failed');
      }).then((res) => res && send(res));
    });
  }

  return {
    get connections() {
      return wss.clients.size;
    },
    close: async () => {
      host.httpServer.off('upgrade', onUpgrade);
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

