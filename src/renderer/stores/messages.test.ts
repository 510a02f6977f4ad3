import { expect, it } from 'vitest';
import type { Api } from '../../shared/api/ApiClient.ts';
import { message } from '../testing/fixtures.ts';
import { createMessagesStore } from './messages.ts';

it('keeps a message that arrives live while the first page is still loading', async () => {
  let answer: (v: unknown) => void = () => undefined;
  const api: Api = {
    call: ((method: string) => (method === 'listMessages' ? new Promise<unknown>((r) => (answer = r)) : Promise.reject(new Error(method)))) as unknown as Api['call'],
    onEvent: () => () => undefined,
  };
  const s = createMessagesStore(api);
  const opening = s.getState().open('c1');
  s.getState().applyEvent({ type: 'messageReceived', message: message(3) });
  answer({ messages: [message(2), message(1)], nextCursor: null });
  await opening;
  expect(s.getState().byChannel.c1!.list.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
});

it('pages older messages in front, oldest first', async () => {
  const api: Api = {
    call: (async (_m: string, p: { before?: string }) =>
      p.before ? { messages: [message(2), message(1)], nextCursor: null } : { messages: [message(4), message(3)], nextCursor: 'c' }) as unknown as Api['call'],
    onEvent: () => () => undefined,
  };
  const s = createMessagesStore(api);
  await s.getState().open('c1');
  await s.getState().loadOlder('c1');
  expect(s.getState().byChannel.c1!.list.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
  expect(s.getState().byChannel.c1!.nextCursor).toBeNull();
});
