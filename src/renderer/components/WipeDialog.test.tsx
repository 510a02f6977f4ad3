import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { renderIn } from '../testing/render.tsx';
import { WipeDialog } from './WipeDialog.tsx';

afterEach(cleanup);

it('wipes only after the channel name is typed exactly', () => {
  const onWipe = vi.fn(async () => true);
  renderIn(<WipeDialog channelName="Room 4" progress={null} onWipe={onWipe} onClose={vi.fn()} />);
  const button = screen.getByRole('button', { name: 'Wipe channel' }) as HTMLButtonElement;
  expect(button.disabled).toBe(true);
  fireEvent.change(screen.getByLabelText('Type the channel name to confirm'), { target: { value: 'room 4' } });
  expect(button.disabled).toBe(true);
  fireEvent.change(screen.getByLabelText('Type the channel name to confirm'), { target: { value: 'Room 4' } });
  expect(button.disabled).toBe(false);
  fireEvent.click(button);
  expect(onWipe).toHaveBeenCalledWith('Room 4');
});

it('names the devices it is still waiting for, then says it is complete', () => {
  const status = {
    channelId: 'c1',
    issuedAt: 1,
    total: 14,
    confirmed: [],
    pending: [{ userId: 'bob', deviceId: 'device-bob-laptop', displayName: 'Bob', lastSeenAt: null }],
  };
  renderIn(<WipeDialog channelName="Room 4" progress={{ confirmed: 13, total: 14, status }} onWipe={vi.fn()} onClose={vi.fn()} />);
  expect(screen.getByTestId('wipe-status').textContent).toBe('Wiped on 13 of 14 devices — waiting for: Bob (device-b)');
  cleanup();
  renderIn(<WipeDialog channelName="Room 4" progress={{ confirmed: 2, total: 2, status: null }} onWipe={vi.fn()} onClose={vi.fn()} />);
  expect(screen.getByTestId('wipe-status').textContent).toBe('Wiped on 2 of 2 devices — complete.');
});

it('accepts the name typed in another width (NFKC) and never a text with an invisible character added', () => {
  renderIn(<WipeDialog channelName="Room 4" progress={null} onWipe={vi.fn()} onClose={vi.fn()} />);
  const button = screen.getByRole('button', { name: 'Wipe channel' }) as HTMLButtonElement;
  const input = screen.getByLabelText('Type the channel name to confirm');
  fireEvent.change(input, { target: { value: 'Room\u200B 4' } });
  expect(button.disabled).toBe(true);
  fireEvent.change(input, { target: { value: 'Ｒｏｏｍ ４' } });
  expect(button.disabled).toBe(false);
});
