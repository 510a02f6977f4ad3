import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestStore, tempDir } from '../../../test/storage/support.ts';
import { DeliveryBook } from './DeliveryBook.ts';

const bob = { userId: 'bob', deviceId: '1' };
const carol = { userId: 'carol', deviceId: '2' };

describe('DeliveryBook', () => {
  it('shows each device and the least advanced one overall', () => {
    const book = new DeliveryBook();
    book.own('m', 'c');
    expect(book.view('m', true).delivery).toBe('pending');
    book.sent('m', [bob, carol]);
    expect(book.view('m', true).delivery).toBe('sent');
    expect(book.report('m', 'c', bob, 'delivered')).toBe(true);
    expect(book.view('m', true)).toEqual({ delivery: 'sent', deliveries: [{ ...bob, state: 'delivered' }, { ...carol, state: 'sent' }] });
    book.report('m', 'c', carol, 'delivered');
    book.report('m', 'c', bob, 'read');
    expect(book.view('m', true)).toMatchObject({ delivery: 'delivered', deliveries: [{ userId: 'bob', state: 'read' }, { userId: 'carol', state: 'delivered' }] });
  });

  it('hides "read" where the policy does not allow read receipts', () => {
    const book = new DeliveryBook();
    book.own('m', 'c');
    book.sent('m', [bob]);
    book.report('m', 'c', bob, 'read');
    expect(book.view('m', false)).toEqual({ delivery: 'delivered', deliveries: [{ ...bob, state: 'delivered' }] });
  });

  it('never goes backwards: a receipt that overtakes the ack, a late "delivered" after "read"', () => {
    const book = new DeliveryBook();
    book.own('m', 'c');
    book.report('m', 'c', bob, 'delivered');
    book.sent('m', [bob]);
    expect(book.view('m', true).deliveries[0]!.state).toBe('delivered');
    book.report('m', 'c', bob, 'read');
    expect(book.report('m', 'c', bob, 'delivered')).toBe(false);
    expect(book.view('m', true).deliveries[0]!.state).toBe('read');
  });

  it('takes receipts only for its own messages, in their channel', () => {
    const book = new DeliveryBook();
    book.own('m', 'c');
    book.sent('m', [bob]);
    expect(book.report('m', 'other', bob, 'delivered')).toBe(false);
    expect(book.report('x', 'c', bob, 'delivered')).toBe(false);
    expect(book.view('m', true).deliveries[0]!.state).toBe('sent');
  });

  it('a message the relay refused stays failed', () => {
    const book = new DeliveryBook();
    book.own('m', 'c');
    book.failed('m');
    expect(book.report('m', 'c', bob, 'delivered')).toBe(false);
    expect(book.view('m', true)).toEqual({ delivery: 'failed', deliveries: [] });
  });
});

describe('DeliveryBook on the profile', () => {
  const root = tempDir('valise-deliveries-');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  let n = 0;

  it('keeps recorded channels on disk: a new book (after a restart) shows the same states and takes receipts', async () => {
    const store = await openTestStore(path.join(root, `p${n++}`));
    const disk = store.repos.deliveries;
    const before = new DeliveryBook(() => disk, (c) => c !== 'otr');
    before.own('m', 'c');
    before.own('x', 'otr');
    before.sent('m', [bob, carol]);
    before.sent('x', [bob]);
    before.report('m', 'c', bob, 'read');

    const after = new DeliveryBook(() => disk, (c) => c !== 'otr');
    expect(after.view('m', true)).toEqual({ delivery: 'sent', deliveries: [{ ...bob, state: 'read' }, { ...carol, state: 'sent' }] });
    expect(after.report('m', 'c', carol, 'delivered')).toBe(true);
    expect(after.report('m', 'c', carol, 'delivered')).toBe(false);
    expect(after.view('m', true).delivery).toBe('delivered');
    // Off the record: nothing written, so a restart knows nothing of it.
    expect(before.view('x', true).delivery).toBe('sent');
    expect(after.view('x', true)).toEqual({ delivery: 'pending', deliveries: [] });
    expect(after.report('x', 'otr', bob, 'delivered')).toBe(false);
    expect(disk.get('x')).toBeNull();
    store.close();
  });

  it('a message sent to nobody else is "sent"; one refused stays failed after a restart', async () => {
    const store = await openTestStore(path.join(root, `p${n++}`));
    const book = new DeliveryBook(() => store.repos.deliveries);
    book.own('alone', 'c');
    book.sent('alone', []);
    book.own('refused', 'c');
    book.failed('refused');
    const again = new DeliveryBook(() => store.repos.deliveries);
    expect(again.view('alone', true)).toEqual({ delivery: 'sent', deliveries: [] });
    expect(again.view('refused', true)).toEqual({ delivery: 'failed', deliveries: [] });
    expect(again.report('refused', 'c', bob, 'delivered')).toBe(false);
    store.close();
  });
});

describe('unreachable devices', () => {
  it('are shown per device; the message is "unreachable" only when no device could be reached', () => {
    const book = new DeliveryBook();
    book.own('m', 'c');
    book.unreachable('m', [carol]);
    book.sent('m', [bob]);
    expect(book.view('m', true)).toEqual({ delivery: 'sent', deliveries: [{ ...bob, state: 'sent' }, { ...carol, state: 'unreachable' }] });
    book.own('n', 'c');
    book.unreachable('n', [carol, { userId: 'dave', deviceId: '0' }]);
    book.sent('n', []);
    expect(book.view('n', true).delivery).toBe('unreachable');
    // Reached later after all (it published its keys and took the message): it moves on.
    expect(book.report('n', 'c', carol, 'delivered')).toBe(true);
    expect(book.view('n', true).delivery).toBe('delivered');
  });
});
