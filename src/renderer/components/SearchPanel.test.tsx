import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { MessageView } from '../../shared/api/schemas.ts';
import { renderIn } from '../testing/render.tsx';
import { SearchPanel } from './SearchPanel.tsx';

afterEach(cleanup);

const message = (id: string, channelId: string): MessageView => ({
  id, channelId, senderUserId: 'bob', senderDeviceId: '1', senderName: 'Bob', mine: false, text: '', attachments: [], sentAt: 1, receivedAt: 1,
  expiresAt: null, readByMe: true, delivery: null, deliveries: [],
});
const HITS = [
  { message: message('m1', 'secret'), snippet: 'our floor is 40 million' },
  { message: message('m2', 'open'), snippet: 'lunch at noon' },
];

async function searchWith(protectedOnScreen: boolean) {
  renderIn(
    <SearchPanel
      search={async () => HITS}
      channelName={(id) => (id === 'secret' ? 'Room 4' : 'Logistics')}
      isProtected={(id) => id === 'secret'}
      protectedOnScreen={protectedOnScreen}
      onOpen={vi.fn()}
      onClose={vi.fn()}
    />,
  );
  fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'a' } });
  fireEvent.submit(screen.getByRole('search'));
  await screen.findByText('lunch at noon');
}

it('shows no snippet of a protected channel while no protected channel is open', async () => {
  await searchWith(false);
  expect(screen.queryByText('our floor is 40 million')).toBeNull();
  expect(screen.getByText('Protected channel: open it to read this result')).toBeTruthy();
  expect(screen.getByText('lunch at noon')).toBeTruthy();
});

it('shows it while a protected channel is on screen (the window is protected then)', async () => {
  await searchWith(true);
  expect(screen.getByText('our floor is 40 million')).toBeTruthy();
});
