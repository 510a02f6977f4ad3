/**
 * The preload: the only bridge between the sandboxed renderer and main. It exposes exactly the
 * frame transport of the API contract (send a request frame, receive response and event frames)
 * and one call to say which channel is on screen (for screen-capture protection). Main validates
 * every frame against the contract; nothing else of Electron or Node reaches the page.
 * Bundled to CommonJS by scripts/build.ts, as sandboxed preloads require.
 */
import { contextBridge, ipcRenderer } from 'electron';

const listeners: ((frame: unknown) => void)[] = [];
const deliver = (frame: unknown) => {
  for (const l of listeners) l(frame);
};

ipcRenderer.on('valise:event', (_e, frame: unknown) => deliver(frame));

contextBridge.exposeInMainWorld('valise', {
  send(frame: unknown): void {
    if (typeof frame !== 'object' || frame === null) return;
    void ipcRenderer.invoke('valise:call', frame).then(deliver, () => undefined);
  },
  onFrame(listener: (frame: unknown) => void): void {
    if (typeof listener === 'function') listeners.push(listener);
  },
  showing(channelId: string | null): void {
    ipcRenderer.send('valise:showing', typeof channelId === 'string' ? channelId.slice(0, 128) : null);
  },
});
