/**
 * IPC wiring of the API contract in Electron: request frames from our own page only, each
 * validated and dispatched to the engine; engine events forwarded as event frames; the visible
 * channel drives content protection; incoming messages raise content-free notifications.
 */
import { ipcMain, Notification, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { Logger } from 'pino';
import { dispatchFrame, errorBody } from '../../shared/api/dispatch.ts';
import { RequestFrameSchema, type ResponseFrame } from '../../shared/api/frames.ts';
import type { ChannelSummary, Settings } from '../../shared/api/schemas.ts';
import { DEFAULT_SETTINGS } from '../../shared/api/schemas.ts';
import type { ApiService } from '../host/ApiService.ts';
import { EventBatches } from '../host/EventBatches.ts';
import { CaptureProtection } from './contentProtection.ts';
import { NotificationGate, notificationForMany } from './notifications.ts';
import { isOwnUrl } from './security.ts';

export function wireIpc(win: BrowserWindow, service: ApiService, log: Logger, lang: 'en' | 'fr'): () => void {
  const fromOurPage = (e: { senderFrame: { url: string } | null; sender: unknown }) => e.sender === win.webContents && !!e.senderFrame && isOwnUrl(e.senderFrame.url);

  const channels = async (): Promise<ChannelSummary[] | null> => {
    try {
      return (await service.call('listChannels', {})).channels;
    } catch {
      return null;
    }
  };
  const settings = async (): Promise<Settings> => {
    try {
      return await service.call('getSettings', {});
    } catch {
      return DEFAULT_SETTINGS;
    }
  };
  const protection = new CaptureProtection(win, channels);
  const protect = () => protection.refresh();

  ipcMain.handle('valise:call', async (e: IpcMainInvokeEvent, raw: unknown): Promise<ResponseFrame | undefined> => {
    if (!fromOurPage(e)) {
      log.warn('refused IPC from a foreign frame');
      return undefined;
    }
    const frame = RequestFrameSchema.safeParse(raw);
    if (!frame.success) return undefined;
    const res = await dispatchFrame(service, frame.data, (err, method) => log.info({ method, code: errorBody(err).code }, 'API call failed'));
    const method = frame.data.method;
    if (res && 'result' in res && (method === 'unlock' || method === 'lock' || method === 'changePolicy')) void protect();
    return res;
  });

  ipcMain.on('valise:showing', (e, channelId: unknown) => {
    if (!fromOurPage(e)) return;
    void protection.show(typeof channelId === 'string' ? channelId : null);
  });

  // One notification for a burst (a catch-up of thousands of messages is one), never one each.
  const gate = new NotificationGate((count, sample) => {
    void Promise.all([channels(), settings()]).then(([list, s]) => {
      const n = notificationForMany(count, sample, list?.find((c) => c.id === sample.channelId), s, lang);
      if (n && Notification.isSupported()) new Notification({ title: n.title, body: n.body, silent: false }).show();
    });
  });
  const batches = new EventBatches((events) => {
    const visible = protection.visibleChannel;
    if (!win.isDestroyed()) win.webContents.send('valise:event', { events });
    if (events.some((e) => e.type === 'channelChanged' && e.channel.id === visible)) void protect();
    for (const e of events) {
      if (e.type === 'messageReceived' && (!win.isFocused() || visible !== e.message.channelId)) gate.arrived(e.message);
    }
  });
  const unsubscribe = service.onEvent((event) => batches.add(event));

  return () => {
    gate.stop();
    unsubscribe();
    ipcMain.removeHandler('valise:call');
    ipcMain.removeAllListeners('valise:showing');
  };
}

