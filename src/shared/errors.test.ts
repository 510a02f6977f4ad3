/** A tabled error takes its kind and message from its code's entry, and logs only those. */
import { describe, expect, it } from 'vitest';
import { ApiError } from './api/errors.ts';
import { TabledError, toValiseError } from './errors.ts';

const TABLE = { DOOR_SHUT: { kind: 'state', message: 'The door is shut. Knock and wait.' } } as const;
class DoorError extends TabledError<keyof typeof TABLE> {
  constructor(message?: string) {
    super('DOOR_SHUT', TABLE.DOOR_SHUT, message, { cause: new Error('secret-cause') });
  }
}

describe('TabledError', () => {
  it("carries its code, its entry's kind and message, and keeps the cause out of the log line", () => {
    const e = new DoorError();
    expect(e).toMatchObject({ code: 'DOOR_SHUT', kind: 'state', message: 'The door is shut. Knock and wait.', name: 'DoorError' });
    expect(JSON.stringify(e.toLog())).not.toContain('secret-cause');
    expect(toValiseError(e)).toBe(e);
  });

  it('takes a more precise message when given one; the API error adds its detail in brackets', () => {
    expect(new DoorError('The back door is shut.').userMessage).toBe('The back door is shut.');
    expect(new ApiError('CHANNEL_PAUSED', { detail: 'Device lost' })).toMatchObject({
      code: 'CHANNEL_PAUSED',
      kind: 'state',
      message: 'This channel is paused; nobody can send until a lead resumes it. (Device lost)',
      transient: false,
    });
  });
});
