import { expect, it } from 'vitest';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { Status } from '../../shared/api/schemas.ts';
import { channel, message } from '../testing/fixtures.ts';
import { createStores } from './Stores.tsx';

const unlocked: Status = { state: 'unlocked', keyProvider: 'passphrase', org: null, me: null, connection: 'online' };

it('forgets channels and message text when the engine locks', async () => {
  const listeners = new Set<(e: ApiEvent) => void>();
  const api: Api = {
    call: (async (method: string) => {
      if (method === 'status') return unlocked;
      if (method === 'listChannels') return { channels: [channel({ id: 'c1' })] };
      if (method === 'listMessages') return { messages: [message(1)], nextCursor: null };
      throw new Error(method);
    }) as Api['call'],
    onEvent: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  const s = createStores(api, 'en');
  await s.session.getState().refresh();
  await s.channels.getState().load();
  await s.messages.getState().open('c1');
  expect(s.messages.getState().byChannel.c1!.list[0]!.text).toBe('message number 1');
  for (const l of listeners) l({ type: 'locked', reason: 'idle' });
  expect(s.session.getState().status!.state).toBe('locked');
  expect(s.channels.getState().byId).toEqual({});
  expect(JSON.stringify(s.messages.getState())).not.toContain('message number 1');
});
