import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from '@testing-library/react';
import { DEFAULT_POLICY, normalisePolicy } from '../../shared/model/policy.ts';
import { renderIn } from '../testing/render.tsx';
import { PolicyBadges } from './PolicyBadges.tsx';

afterEach(cleanup);
const NOW = 1_700_000_000_000;

describe('PolicyBadges', () => {
  it('says a channel is off the record, disappearing, and ending', () => {
    const policy = normalisePolicy({ ...DEFAULT_POLICY, recording: 'off-the-record', messageLifetimeMs: 86_400_000, endsAtMs: NOW + 3 * 3_600_000 });
    renderIn(<PolicyBadges policy={policy} now={NOW} />);
    expect(screen.getByText('Off the record')).toBeTruthy();
    expect(screen.getByText('Disappears after 1 day')).toBeTruthy();
    expect(screen.getByText('Channel ends in 3 hours')).toBeTruthy();
    expect(screen.getByText('Copy blocked')).toBeTruthy();
    expect(screen.queryByText('Recorded on devices')).toBeNull();
  });

  it('says a recorded channel is recorded and shows no lifetime when messages are kept', () => {
    renderIn(<PolicyBadges policy={{ ...DEFAULT_POLICY, allowCopy: true }} now={NOW} />);
    expect(screen.getByText('Recorded on devices')).toBeTruthy();
    expect(screen.queryByText(/Disappears/)).toBeNull();
    expect(screen.queryByText('Copy blocked')).toBeNull();
  });

  it('says screen capture is blocked only where the system can block it', () => {
    const policy = { ...DEFAULT_POLICY, screenCapture: 'block' as const };
    renderIn(<PolicyBadges policy={policy} now={NOW} captureBlockable />);
    expect(screen.getByText('Screen capture blocked')).toBeTruthy();
    cleanup();
    // Linux and browser mode: the window cannot keep captures out, and the badge says so.
    renderIn(<PolicyBadges policy={policy} now={NOW} captureBlockable={false} />);
    expect(screen.queryByText('Screen capture blocked')).toBeNull();
    expect(screen.getByText('Screen capture not blockable on this system')).toBeTruthy();
    cleanup();
    renderIn(<PolicyBadges policy={policy} now={NOW} />);
    expect(screen.queryByText('Screen capture blocked')).toBeNull();
  });

  it('speaks French', () => {
    renderIn(<PolicyBadges policy={{ ...DEFAULT_POLICY, recording: 'off-the-record', messageLifetimeMs: 30 * 86_400_000 }} now={NOW} />, 'fr');
    expect(screen.getByText('Officieux')).toBeTruthy();
    expect(screen.getByText('Disparaît après 30 jours')).toBeTruthy();
  });
});
