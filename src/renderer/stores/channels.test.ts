import { describe, expect, it } from 'vitest';
import type { Api } from '../../shared/api/ApiClient.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import { channel, message } from '../testing/fixtures.ts';
import { createChannelsStore, groupByClassification } from './channels.ts';

function fakeApi(results: Record<string, unknown>): Api & { emit(e: ApiEvent): void } {
  const listeners = new Set<(e: ApiEvent) => void>();
  return {
    call: (async (method: string) => {
      if (!(method in results)) throw new Error(`unexpected ${method}`);
      return results[method];
    }) as Api['call'],
    onEvent: (l) => (listeners.add(l), () => listeners.delete(l)),
    emit: (e) => listeners.forEach((l) => l(e)),
  };
}

describe('channels store', () => {
  it('drops a wiped channel and deselects it, but keeps the wipe receipts I asked for', async () => {
    const api = fakeApi({
      listChannels: { channels: [channel({ id: 'a', name: 'Room 4' })] },
      wipe: { wipeId: 'w', total: 2 },
      wipeStatus: { channelId: 'a', issuedAt: 1, total: 2, confirmed: [], pending: [] },
    });
    const s = createChannelsStore(api);
    await s.getState().load();
    s.getState().select('a');
    await s.getState().wipe('a', 'Room 4');
    s.getState().applyEvent({ type: 'channelRemoved', channelId: 'a', reason: 'wiped' });
    s.getState().applyEvent({ type: 'wipeProgress', channelId: 'a', confirmed: 2, total: 2 });
    expect(s.getState().byId.a).toBeUndefined();
    expect(s.getState().selectedId).toBeNull();
    expect(s.getState().wipes.a).toMatchObject({ confirmed: 2, total: 2, name: 'Room 4' });
  });

  it('counts unread messages in other channels only', async () => {
    const api = fakeApi({ listChannels: { channels: [channel({ id: 'c1' }), channel({ id: 'c2' })] } });
    const s = createChannelsStore(api);
    await s.getState().load();
    s.getState().select('c1');
    s.getState().applyEvent({ type: 'messageReceived', message: message(1, { channelId: 'c1' }) });
    s.getState().applyEvent({ type: 'messageReceived', message: message(2, { channelId: 'c2' }) });
    s.getState().applyEvent({ type: 'channelChanged', channel: channel({ id: 'c1', unread: 5 }) });
    expect(s.getState().byId.c1!.unread).toBe(0);
    expect(s.getState().byId.c2!.unread).toBe(1);
  });

  it('keeps an engine error as its code, for the view to say in the reader\'s language', async () => {
    const api = fakeApi({});
    api.call = (async () => {
      const { ApiError } = await import('../../shared/api/errors.ts');
      throw new ApiError('NOT_CLEARED');
    }) as Api['call'];
    const s = createChannelsStore(api);
    expect(await s.getState().create({ name: 'x', classification: 3, memberUserIds: ['carol'], policy: channel().policy })).toBeNull();
    expect(s.getState().error).toBe('NOT_CLEARED');
  });

  it('orders groups from the highest classification down', () => {
    const groups = groupByClassification([channel({ id: 'u', classification: 0 }), channel({ id: 's', classification: 3 })]);
    expect(groups.map((g) => g.level)).toEqual([3, 0]);
  });
});
