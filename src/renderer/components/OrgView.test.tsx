import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { OrgChannel } from '../../shared/api/schemas.ts';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { DEFAULT_POLICY } from '../../shared/model/policy.ts';
import { renderIn } from '../testing/render.tsx';
import { OrgView } from './OrgView.tsx';

afterEach(cleanup);

const org = (over: Partial<OrgChannel>): OrgChannel => ({
  id: 'c1', name: 'Talks', classification: 3, status: 'active', pausedReason: null, membersCount: 4, member: false, policy: DEFAULT_POLICY, changedAt: 1, ...over,
});

function view(channels: OrgChannel[], wipes = {}) {
  const handlers = { onRefresh: vi.fn(), onPause: vi.fn(), onResume: vi.fn(), onWipe: vi.fn(), onShowWipe: vi.fn() };
  renderIn(<OrgView channels={channels} levels={DEFAULT_CLASSIFICATIONS} loading={false} error={null} wipes={wipes} {...handlers} />);
  return handlers;
}

it('lists each channel with classification, member count and status, and offers the officer actions', () => {
  const h = view([org({}), org({ id: 'c2', name: 'Logistics', classification: 0, status: 'paused', pausedReason: 'leak', membersCount: 2, member: true })]);
  const talks = screen.getByRole('row', { name: /Talks/ });
  expect(within(talks).getByText('not a member')).toBeTruthy();
  expect(within(talks).getByText('SECRET')).toBeTruthy();
  expect(within(talks).getByText('4')).toBeTruthy();
  expect(within(talks).getByText('Active')).toBeTruthy();
  const logistics = screen.getByRole('row', { name: /Logistics/ });
  expect(within(logistics).getByText((_, el) => el?.className === 'channel-item__paused' && el.textContent === 'Paused — leak')).toBeTruthy();
  expect(within(logistics).queryByText('not a member')).toBeNull();
  fireEvent.click(screen.getByRole('button', { name: 'Pause Talks' }));
  expect(h.onPause).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1' }));
  fireEvent.click(screen.getByRole('button', { name: 'Resume Logistics' }));
  expect(h.onResume).toHaveBeenCalledWith(expect.objectContaining({ id: 'c2' }));
  fireEvent.click(screen.getByRole('button', { name: 'Wipe Talks' }));
  expect(h.onWipe).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1' }));
  expect(screen.queryByRole('button', { name: 'Pause Logistics' })).toBeNull();
});

it('keeps showing the receipts of a wipe after the channel has left the organisation list', () => {
  const h = view([], { gone: { name: 'Room 4', confirmed: 2, total: 3 } });
  expect(screen.getByText('The organisation has no live channels.')).toBeTruthy();
  fireEvent.click(screen.getByRole('button', { name: 'Room 4: Wiped on 2 of 3 devices' }));
  expect(h.onShowWipe).toHaveBeenCalledWith('gone');
});
