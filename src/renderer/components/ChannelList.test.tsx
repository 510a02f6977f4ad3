import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { channel } from '../testing/fixtures.ts';
import { renderIn } from '../testing/render.tsx';
import { ChannelList } from './ChannelList.tsx';

afterEach(cleanup);

it('groups channels by classification, highest first, with unread counts and keyboard moves', () => {
  const onSelect = vi.fn();
  renderIn(
    <ChannelList
      levels={DEFAULT_CLASSIFICATIONS}
      selectedId={null}
      onSelect={onSelect}
      channels={[
        channel({ id: 'a', name: 'Logistics', classification: 0 }),
        channel({ id: 'b', name: 'Room 4', classification: 3, unread: 7 }),
        channel({ id: 'c', name: 'Delegation', classification: 2, status: 'paused' }),
      ]}
    />,
  );
  const groups = screen.getAllByRole('region');
  expect(groups.map((g) => g.getAttribute('aria-label'))).toEqual(['SECRET', 'CONFIDENTIAL', 'UNCLASSIFIED']);
  expect(within(groups[0]!).getByLabelText('7 unread')).toBeTruthy();
  expect(within(groups[1]!).getByText('paused')).toBeTruthy();

  const first = screen.getByRole('button', { name: /Room 4/ });
  first.focus();
  fireEvent.keyDown(first, { key: 'ArrowDown' });
  expect(document.activeElement?.textContent).toContain('Delegation');
  fireEvent.click(document.activeElement!);
  expect(onSelect).toHaveBeenCalledWith('c');
});
