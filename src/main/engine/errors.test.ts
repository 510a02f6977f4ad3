import { describe, expect, it } from 'vitest';
import { ValiseError } from '../../shared/errors.ts';
import { RelayUnavailable } from '../../relay/errors.ts';
import { StoreCorrupt } from '../../storage/index.ts';
import { ApiError, toApiError } from './errors.ts';

class Lower extends ValiseError {
  readonly kind = 'verification' as const;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

describe('toApiError', () => {
  it('maps lower-layer codes onto the contract and keeps their user message where useful', () => {
    const e = toApiError(new Lower('STORAGE_WRONG_KEY', 'The passphrase is wrong.'));
    expect(e.code).toBe('UNLOCK_FAILED');
    expect(e.message).toBe('The passphrase is wrong.');
    expect(toApiError(new Lower('CHANNEL_PAUSED', 'paused at the relay')).code).toBe('CHANNEL_PAUSED');
    expect(toApiError(new Lower('AUTH_REVOKED', 'x')).code).toBe('DEVICE_REVOKED');
  });

  it('tells a damaged profile apart from a relay that cannot be reached', () => {
    const e = toApiError(new StoreCorrupt());
    expect(e.code).toBe('PROFILE_DAMAGED');
    expect(e.message).toMatch(/damaged.*restore the profile from a backup or re-enrol/);
    expect(toApiError(new RelayUnavailable('closed')).code).toBe('OFFLINE');
  });

  it('keeps ApiErrors and hides unexpected errors behind INTERNAL', () => {
    const a = new ApiError('NOT_FOUND');
    expect(toApiError(a)).toBe(a);
    const i = toApiError(new Error('/home/user/secret path'));
    expect(i.code).toBe('INTERNAL');
    expect(i.message).not.toContain('secret');
  });
});
