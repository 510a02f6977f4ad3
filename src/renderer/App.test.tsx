import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Api } from '../shared/api/ApiClient.ts';
import { DEFAULT_SETTINGS, type Settings, type Status } from '../shared/api/schemas.ts';
import { App } from './App.tsx';
import { createStores, StoresProvider } from './stores/Stores.tsx';
import { channel, message } from './testing/fixtures.ts';

afterEach(cleanup);

const unlocked: Status = { state: 'unlocked', keyProvider: 'passphrase', org: null, me: { userId: 'alice', deviceId: '1', displayName: 'Alice', clearance: 3, orgRoles: ['delegate'] }, connection: 'online' };

/** The app on an engine whose stored settings are `settings`; returns the texts it was asked to send. */
async function appWith(settings: Settings, status: Status = unlocked): Promise<string[]> {
  const sent: string[] = [];
  const api: Api = {
    call: (async (method: string, params?: { text?: string }) => {
      switch (method) {
        case 'status':
          return status;
        case 'getSettings':
          return settings;
        case 'listChannels':
          return { channels: [channel({ id: 'c1' })] };
        case 'listMessages':
          return { messages: [], nextCursor: null };
        case 'markRead':
          return { ok: true };
        case 'send':
          sent.push(params!.text!);
          return { message: message(1, { text: params!.text!, mine: true }) };
        default:
          throw new Error(method);
      }
    }) as Api['call'],
    onEvent: () => () => undefined,
  };
  const stores = createStores(api, 'en');
  render(
    <StoresProvider stores={stores}>
      <App />
    </StoresProvider>,
  );
  await waitFor(() => expect(stores.channels.getState().loaded).toBe(true));
  act(() => stores.channels.getState().select('c1'));
  await screen.findByRole('textbox');
  // The stored settings have arrived (the engine answers at once here).
  await act(async () => new Promise((r) => setTimeout(r, 20)));
  return sent;
}

describe('the app honours the stored settings', () => {
  it('does not send on Enter when the user turned "send on Enter" off', async () => {
    const sent = await appWith({ ...DEFAULT_SETTINGS, sendOnEnter: false });
    const box = screen.getByRole('textbox');
    fireEvent.change(box, { target: { value: 'not yet' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    await act(async () => new Promise((r) => setTimeout(r, 20)));
    expect(sent).toEqual([]);
    expect((box as HTMLTextAreaElement).value).toBe('not yet');
  });

  it('sends on Enter when it is on', async () => {
    const sent = await appWith({ ...DEFAULT_SETTINGS, sendOnEnter: true });
    const box = screen.getByRole('textbox');
    fireEvent.change(box, { target: { value: 'now' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(sent).toEqual(['now']));
  });
});

describe('the app says why it stopped connecting', () => {
  it('tells the user when the relay claims a revocation without the organisation’s proof', async () => {
    await appWith(DEFAULT_SETTINGS, { ...unlocked, connection: 'revocation-unproven' });
    const state = screen.getAllByRole('status').find((e) => e.classList.contains('connection'))!;
    expect(state.textContent).toContain('gave no proof signed by your organisation');
    expect(state.textContent).toContain('ask your security officer');
  });
});
