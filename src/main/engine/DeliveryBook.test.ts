import { describe, expect, it } from 'vitest';
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
