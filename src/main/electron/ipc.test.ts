/**
 * The IPC wiring with a fake Electron: which channel is on screen drives content protection, and a
 * slow policy lookup for a channel that allowed capture must not switch protection off for a
 * protected channel shown in the meantime.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ChannelSummary } from '../../shared/api/schemas.ts';
import { DEFAULT_POLICY } from '../../shared/model/policy.ts';

const listeners = new Map<string, (e: unknown, arg: unknown) => void>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: vi.fn(),
    removeHandler: vi.fn(),
    on: (name: string, fn: (e: unknown, arg: unknown) => void) => listeners.set(name, fn),
    removeAllListeners: (name: string) => listeners.delete(name),
  },
  Notification: { isSupported: () => false },
}));

const { wireIpc } = await import('./ipc.ts');
const { APP_ORIGIN } = await import('./security.ts');
const { CaptureProtection } = await import('./contentProtection.ts');

const summary = (id: string, screenCapture: 'allow' | 'block'): ChannelSummary => ({
  id, name: id, classification: 0, policy: { ...DEFAULT_POLICY, screenCapture }, status: 'active', pausedReason: null, direct: false, myRole: 'member', unread: 0, lastMessageAt: null,
  can: { send: true, manage: false, pause: false, wipe: false, export: false, attach: false, copy: false },
});
const CHANNELS = [summary('open', 'allow'), summary('secret', 'block')];

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const flush = () => new Promise((r) => setTimeout(r, 0));

function fakeWindow() {
  const webContents = { send: vi.fn() };
  const protection: boolean[] = [];
  return {
    webContents,
    protection,
    isDestroyed: () => false,
    isFocused: () => true,
    setContentProtection: (on: boolean) => protection.push(on),
  };
}

describe('content protection over IPC', () => {
  it('a stale lookup for a capturable channel never switches protection off for a protected one shown since', async () => {
    const win = fakeWindow();
    const lookups: ReturnType<typeof deferred<{ channels: ChannelSummary[] }>>[] = [];
    const service = {
      call: vi.fn((method: string) => {
        if (method !== 'listChannels') return Promise.resolve({});
        const d = deferred<{ channels: ChannelSummary[] }>();
        lookups.push(d);
        return d.promise;
      }),
      onEvent: () => () => undefined,
    };
    const unwire = wireIpc(win as never, service as never, { warn: vi.fn(), info: vi.fn() } as never, 'en');
    const showing = listeners.get('valise:showing')!;
    const fromPage = { sender: win.webContents, senderFrame: { url: `${APP_ORIGIN}/index.html` } };

    showing(fromPage, 'open');
    showing(fromPage, 'secret');
    expect(win.protection.at(-1)).toBe(true);
    // The lookup made for "secret" answers first, then the stale one made for "open".
    lookups[1]!.resolve({ channels: CHANNELS });
    await flush();
    lookups[0]!.resolve({ channels: CHANNELS });
    await flush();
    expect(win.protection.at(-1)).toBe(true);

    // Back to a capturable channel: protection is relaxed once its own lookup answers.
    showing(fromPage, 'open');
    lookups[2]!.resolve({ channels: CHANNELS });
    await flush();
    expect(win.protection.at(-1)).toBe(false);
    unwire();
  });

  it('decides for the channel visible when the answer lands', async () => {
    const win = fakeWindow();
    const d = deferred<ChannelSummary[]>();
    const p = new CaptureProtection(win, () => d.promise);
    void p.show('open');
    const refresh = p.refresh();
    void p.show(null);
    d.resolve(CHANNELS);
    await refresh;
    await flush();
    expect(win.protection.at(-1)).toBe(false);
    expect(p.visibleChannel).toBeNull();
  });
});

describe('where content protection works', () => {
  it('only on Windows and macOS (Electron does nothing on Linux)', async () => {
    const { captureProtectionEffective } = await import('./contentProtection.ts');
    expect(captureProtectionEffective('win32')).toBe(true);
    expect(captureProtectionEffective('darwin')).toBe(true);
    expect(captureProtectionEffective('linux')).toBe(false);
  });
});
