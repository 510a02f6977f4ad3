import { cleanup, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { channel } from '../testing/fixtures.ts';
import { renderIn } from '../testing/render.tsx';
import { ChannelHeader } from './ChannelHeader.tsx';

afterEach(cleanup);
const handlers = { onInfo: vi.fn(), onPause: vi.fn(), onResume: vi.fn(), onWipe: vi.fn(), onExport: vi.fn() };
const all = { send: true, manage: true, pause: true, wipe: true, export: true, attach: true, copy: true };

it('offers pause, wipe and export only to those allowed, and export only when the policy allows it', () => {
  renderIn(<ChannelHeader channel={channel({ can: { ...all }, policy: { allowExport: false } })} now={0} {...handlers} />);
  expect(screen.getByRole('button', { name: 'Pause' })).toBeTruthy();
  expect(screen.getByRole('button', { name: 'Wipe…' })).toBeTruthy();
  expect(screen.queryByRole('button', { name: 'Export' })).toBeNull();
  cleanup();
  renderIn(<ChannelHeader channel={channel({ can: { ...all }, policy: { allowExport: true } })} now={0} {...handlers} />);
  expect(screen.getByRole('button', { name: 'Export' })).toBeTruthy();
  cleanup();
  renderIn(<ChannelHeader channel={channel()} now={0} {...handlers} />);
  expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
  expect(screen.queryByRole('button', { name: 'Wipe…' })).toBeNull();
});

it('offers resume instead of pause on a paused channel', () => {
  renderIn(<ChannelHeader channel={channel({ status: 'paused', can: { ...all } })} now={0} {...handlers} />);
  expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();
  expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
});
