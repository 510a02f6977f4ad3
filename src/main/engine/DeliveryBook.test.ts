import { describe, expect, it } from 'vitest';
import { DeliveryBook } from './DeliveryBook.ts';

const bob = { userId: 'bob', deviceId: '1' };
const carol = { userId: 'carol', deviceId: '2' };

describe('DeliveryBook', () => {
  it('shows each device and the least advanced one overall', () => {
    const book = new DeliveryBook();
    expect(book.view('m', true).delivery).toBe('pending');
    book.sent('m', [bob, carol]);
    expect(book.view('m', true).delivery).toBe('sent');
    expect(book.report('m', bob, 'delivered')).toBe(true);
    expect(book.view('m', true)).toEqual({ delivery: 'sent', deliveries: [{ ...bob, state: 'delivered' }, { ...carol, state: 'sent' }] });
    book.report('m', carol, 'delivered');
    book.report('m', bob, 'read');
    expect(book.view('m', true)).toMatchObject({ delivery: 'delivered', deliveries: [{ userId: 'bob', state: 'read' }, { userId: 'carol', state: 'delivered' }] });
  });

  it('hides "read" where the policy does not allow read receipts', () => {
    const book = new DeliveryBook();
    book.sent('m', [bob]);
    book.report('m', bob, 'read');
    expect(book.view('m', false)).toEqual({ delivery: 'delivered', deliveries: [{ ...bob, state: 'delivered' }] });
  });

  it('never goes backwards: a receipt that overtakes the ack, a late "delivered" after "read"', () => {
    const book = new DeliveryBook();
    book.report('m', bob, 'delivered');
    book.sent('m', [bob]);
    expect(book.view('m', true).deliveries[0]!.state).toBe('delivered');
    book.report('m', bob, 'read');
    expect(book.report('m', bob, 'delivered')).toBe(false);
    expect(book.view('m', true).deliveries[0]!.state).toBe('read');
  });

  it('a message the relay refused stays failed', () => {
    const book = new DeliveryBook();
    book.failed('m');
    expect(book.report('m', bob, 'delivered')).toBe(false);
    expect(book.view('m', true)).toEqual({ delivery: 'failed', deliveries: [] });
  });
});
