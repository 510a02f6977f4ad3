import { cleanup, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { renderIn } from '../testing/render.tsx';
import { ClassificationBanner } from './ClassificationBanner.tsx';

afterEach(cleanup);

it('shows the marking as text, with the colour as a second cue and readable text on it', () => {
  renderIn(<ClassificationBanner level={{ level: 3, label: 'SECRET', short: 'S', colour: '#c8102e' }} position="top" />);
  const banner = screen.getByRole('note', { name: 'SECRET' });
  expect(banner.textContent).toBe('SECRET');
  expect(banner.style.background).toContain('rgb(200, 16, 46)');
  expect(banner.style.color).toBe('rgb(255, 255, 255)');
});
