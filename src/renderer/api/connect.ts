/**
 * The renderer's only way to the engine: the shared ApiClient over whichever transport this
 * window has. In Electron the preload exposes `window.valise` (frames over IPC); in browser mode
 * the same frames travel over a WebSocket on our own origin, authorised by the session cookie.
 */
import { ApiClient } from '../../shared/api/ApiClient.ts';
import type { RequestFrame } from '../../shared/api/frames.ts';

/** What the preload puts on `window.valise` (see src/main/electron/preload.ts). */
export interface PreloadBridge {
  send(frame: RequestFrame): void;
  onFrame(listener: (frame: unknown) => void): void;
  /** Which channel is on screen, so main can turn on screen-capture protection (Electron only). */
  showing?(channelId: string | null): void;
}

/** Tells the shell which channel is visible; browser mode has no capture protection to drive. */
export function reportVisibleChannel(channelId: string | null): void {
  window.valise?.showing?.(channelId);
}

declare global {
  interface Window {
    valise?: PreloadBridge;
  }
}

export const API_SOCKET_PATH = '/api';

export function connectApi(onClosed: () => void): Promise<ApiClient> {
  const bridge = window.valise;
  if (bridge) {
    const client = new ApiClient((f) => bridge.send(f));
    bridge.onFrame((f) => client.receive(f));
    return Promise.resolve(client);
  }
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}${API_SOCKET_PATH}`);
    const client = new ApiClient((f) => ws.send(JSON.stringify(f)));
    let open = false;
    ws.onopen = () => {
      open = true;
      resolve(client);
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      try {
        client.receive(JSON.parse(e.data));
      } catch {
        // A frame that is not JSON is dropped; the engine never sends one.
      }
    };
    ws.onclose = () => {
      client.close();
      if (open) onClosed();
      else reject(new Error('api socket refused'));
    };
  });
}
