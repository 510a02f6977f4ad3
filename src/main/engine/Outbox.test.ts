import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore, Outbox, type OutboxEntry } from './Outbox.ts';
import { advance, overall, visibleState } from './delivery.ts';
import { ApiError } from './errors.ts';

const entry = (id: string) => ({ channelId: 'c', messageId: id, content: new TextEncoder().encode(id), createdAt: 0 });
const offline = () => new ApiError('OFFLINE', { transient: true });

function rig() {
  const store = new MemoryOutboxStore();
  const wire: string[] = [];
  let up = true;
  const sent: string[] = [];
  const failed: string[] = [];
  const outbox = new Outbox(
    store,
    (e: OutboxEntry) => {
      if (!up) return Promise.reject(offline());
      if (e.messageId === 'refused') return Promise.reject(new Error('paused'));
      wire.push(e.messageId);
      return Promise.resolve({ devices: [{ userId: 'bob', deviceId: '1' }] });
    },
    { sent: (e) => sent.push(e.messageId), failed: (e) => failed.push(e.messageId) },
  );
  return { store, wire, sent, failed, outbox, setUp: (v: boolean) => (up = v) };
}

describe('Outbox', () => {
  it('keeps messages queued while offline and sends them in order after reconnecting', async () => {
    const r = rig();
    r.outbox.enqueue(entry('m1'));
    r.outbox.enqueue(entry('m2'));
    expect(r.store.pending(10).map((e) => e.messageId)).toEqual(['m1', 'm2']);
    r.outbox.setConnected(true);
    await r.outbox.flush();
    expect(r.wire).toEqual(['m1', 'm2']);
    expect(r.sent).toEqual(['m1', 'm2']);
    expect(r.store.pending(10)).toEqual([]);
  });

  it('stops at a lost connection without losing or reordering, and resumes from there', async () => {
    const r = rig();
    r.outbox.setConnected(true);
    r.setUp(false);
    r.outbox.enqueue(entry('a'));
    r.outbox.enqueue(entry('b'));
    await r.outbox.flush();
    expect(r.wire).toEqual([]);
    expect(r.store.pending(10).map((e) => [e.messageId, e.attempts])).toEqual([
      ['a', 1],
      ['b', 0],
    ]);
    r.setUp(true);
    r.outbox.setConnected(true);
    await r.outbox.flush();
    expect(r.wire).toEqual(['a', 'b']);
  });

  it('reports a refused message as failed and goes on with the next', async () => {
    const r = rig();
    r.outbox.enqueue(entry('refused'));
    r.outbox.enqueue(entry('ok'));
    r.outbox.setConnected(true);
    await r.outbox.flush();
    expect(r.failed).toEqual(['refused']);
    expect(r.wire).toEqual(['ok']);
  });

  it('drops what waits for a wiped channel', () => {
    const r = rig();
    r.outbox.enqueue(entry('x'));
    expect(r.store.removeChannel('c')).toBe(1);
    expect(r.store.pending(10)).toEqual([]);
  });
});

describe('delivery state', () => {
  it('never goes backwards and reports the least advanced device', () => {
    expect(advance('read', 'delivered')).toBe('read');
    expect(advance('sent', 'delivered')).toBe('delivered');
    expect(advance('pending', 'failed')).toBe('failed');
    expect(advance('sent', 'failed')).toBe('sent');
    expect(overall(['read', 'delivered', 'read'])).toBe('delivered');
    expect(overall(['read', 'read'])).toBe('read');
  });

  it('hides read state when the policy turns read receipts off', () => {
    expect(visibleState('read', false)).toBe('delivered');
    expect(visibleState('read', true)).toBe('read');
  });

  it('waits and retries when the relay throttles, without waiting for a reconnect', async () => {
    const store = new MemoryOutboxStore();
    const wire: string[] = [];
    let throttled = 1;
    const outbox = new Outbox(
      store,
      (e) => {
        if (throttled-- > 0) return Promise.reject(new ApiError('INTERNAL', { transient: true, retryAfterMs: 20 }));
        wire.push(e.messageId);
        return Promise.resolve({ devices: [] });
      },
      { sent: () => undefined, failed: () => undefined },
    );
    outbox.setConnected(true);
    outbox.enqueue(entry('a'));
    outbox.enqueue(entry('b'));
    await new Promise((r) => setTimeout(r, 200));
    expect(wire).toEqual(['a', 'b']);
  });

  it('keeps a message queued through a failure the error marks as transient, and sends it on reconnect', async () => {
    const store = new MemoryOutboxStore();
    const failed: string[] = [];
    const wire: string[] = [];
    let down = 1;
    const outbox = new Outbox(
      store,
      (e) => {
        if (down-- > 0) return Promise.reject(new ApiError('OFFLINE', { transient: true }));
        wire.push(e.messageId);
        return Promise.resolve({ devices: [] });
      },
      { sent: () => undefined, failed: (e) => failed.push(e.messageId) },
    );
    outbox.setConnected(true);
    outbox.enqueue(entry('a'));
    await outbox.flush();
    expect(failed).toEqual([]);
    expect(store.pending(10).map((x) => x.messageId)).toEqual(['a']);
    outbox.setConnected(true);
    await outbox.flush();
    expect(wire).toEqual(['a']);
    expect(new ApiError('OFFLINE').transient).toBe(false);
  });
});
