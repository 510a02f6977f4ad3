import { afterEach, describe, expect, it } from 'vitest';
import { sessionKit, type Kit } from '../../../../test/engine/sessionKit.ts';
import { ApiError } from '../errors.ts';
import { dropBadInput } from './dropBadInput.ts';

let kit: Kit;
afterEach(() => kit.close());

describe('dropBadInput', () => {
  it('marks the item received and writes a content-free audit entry, in the same transaction', async () => {
    kit = await sessionKit();
    const store = kit.c.store;
    const secret = new TextEncoder().encode('secret position');
    store.transaction((r) => dropBadInput(r, { id: 'e1', kind: 'envelope', payload: secret }, new ApiError('BAD_REQUEST'), 42));
    expect(store.repos.received.wasReceived('e1')).toBe(true);
    const [entry] = store.repos.audit.recent(10);
    expect(entry).toMatchObject({ actor: 'relay', action: 'delivery-dropped', subject: 'envelope e1', at: 42 });
    expect(JSON.stringify(entry)).not.toContain('secret');
    // A failure later in the same transaction leaves neither behind.
    expect(() =>
      store.transaction((r) => {
        dropBadInput(r, { id: 'e2', kind: 'wipe', payload: secret }, new Error('x'), 43);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(store.repos.received.wasReceived('e2')).toBe(false);
    expect(store.repos.audit.recent(10)).toHaveLength(1);
  });
});
