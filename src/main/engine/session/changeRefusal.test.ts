import { describe, expect, it } from 'vitest';
import { changeRefusal, relayRefusalReason } from './changeRefusal.ts';

describe('changeRefusal', () => {
  it('tells a change the signer may not make from one that lost a race', () => {
    expect(changeRefusal('not-allowed').code).toBe('FORBIDDEN');
    expect(changeRefusal('not-allowed').message).not.toMatch(/changed meanwhile/);
    expect(changeRefusal('classification-lowered').code).toBe('FORBIDDEN');
    expect(changeRefusal('member-not-cleared').code).toBe('NOT_CLEARED');
    expect(changeRefusal('recording-switch').code).toBe('POLICY_REFUSED');
    expect(changeRefusal('fork').code).toBe('CONFLICT');
    expect(changeRefusal('epoch-gap').message).toMatch(/changed meanwhile/);
  });

  it("reads the reason from the relay's refusal, and nothing else", () => {
    expect(relayRefusalReason('The channel change was refused (not-allowed). Fetch the current state and try again.')).toBe('not-allowed');
    expect(relayRefusalReason('The channel change was refused (made-up). Fetch the current state and try again.')).toBeNull();
    expect(relayRefusalReason('The channel change is malformed.')).toBeNull();
  });
});
