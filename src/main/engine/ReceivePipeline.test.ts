import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../../crypto/index.ts';
import { ReceivePipeline, type Delivery, type ReceiveUnit } from './ReceivePipeline.ts';

/**
 * A toy "database" with transactional semantics: a ratchet counter (protocol state) that `open`
 * advances in a staging copy, messages, and dedupe markers. `crashAt` throws at a chosen point,
 * like a process dying there; the durable part is what survives.
 */
class ToyDb {
  durable = { ratchet: 0, messages: [] as string[], markers: new Set<string>() };
  crashAt: 'open' | 'commit' | null = null;
  /** Opening the item with this id fails with `fault` (a passing database error, or a bug). */
  faultOn: { id: string; fault: Error } | null = null;
  rejected: string[] = [];

  unit(): ReceiveUnit<string> {
    return {
      seen: (id) => this.durable.markers.has(id),
      batch: async (work) => {
        let staged: number | null = null;
        const rejected: string[] = [];
        const kept: { id: string; value: string | null }[] = [];
        await work({
          open: (d) => {
            if (this.crashAt === 'open') return Promise.reject(new CrashError());
            if (this.faultOn?.id === d.id) return Promise.reject(this.faultOn.fault);
            const r = (staged ?? this.durable.ratchet) + 1;
            // A message can be decrypted only with the state it was encrypted for.
            const text = new TextDecoder().decode(d.payload);
            if (Number(text.split(':')[0]) !== r) return Promise.reject(new DecryptionError('corrupt'));
            staged = r;
            return Promise.resolve(text);
          },
          keep: (id, value) => kept.push({ id, value }),
          reject: (d) => {
            kept.push({ id: d.id, value: null });
            rejected.push(d.id);
          },
        });
        if (this.crashAt === 'commit') throw new CrashError();
        this.rejected.push(...rejected);
        if (staged !== null) this.durable.ratchet = staged;
        for (const i of kept) {
          if (i.value !== null) this.durable.messages.push(i.value);
          this.durable.markers.add(i.id);
        }
      },
    };
  }
}
class CrashError extends Error {}
const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

const delivery = (n: number): Delivery => ({ id: `e${n}`, kind: 'envelope', payload: new TextEncoder().encode(`${n}:hello ${n}`) });

function pipeline(db: ToyDb, acked: string[], batchSize = 3) {
  const delivered: string[] = [];
  const failures: unknown[] = [];
  const p = new ReceivePipeline<string>({
    unit: db.unit(),
    ack: (ids) => acked.push(...ids),
    delivered: (v) => delivered.push(...v),
    failed: (e) => failures.push(e),
    batchSize,
  });
  return { p, delivered, failures };
}

describe('ReceivePipeline', () => {
  it('stores in order, then acks; progress follows the backlog', async () => {
    const db = new ToyDb();
    const acked: string[] = [];
    const progress: number[] = [];
    const p = new ReceivePipeline<string>({ unit: db.unit(), ack: (ids) => acked.push(...ids), delivered: () => undefined, progress: (d) => progress.push(d), batchSize: 2 });
    p.expect(5);
    for (let i = 1; i <= 5; i++) p.push(delivery(i));
    await p.idle();
    expect(db.durable.messages).toEqual(['1:hello 1', '2:hello 2', '3:hello 3', '4:hello 4', '5:hello 5']);
    expect(acked).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(progress).toEqual([2, 4, 5]);
  });

  it('a crash before commit stores nothing, acks nothing, and the redelivery succeeds', async () => {
    const db = new ToyDb();
    const acked: string[] = [];
    db.crashAt = 'commit';
    const a = pipeline(db, acked);
    for (let i = 1; i <= 3; i++) a.p.push(delivery(i));
    await a.p.idle();
    expect(a.failures).toHaveLength(1);
    expect(db.durable).toMatchObject({ ratchet: 0, messages: [] });
    expect(acked).toEqual([]);
    // Restart: the relay redelivers everything it still holds.
    db.crashAt = null;
    const b = pipeline(db, acked);
    for (let i = 1; i <= 3; i++) b.p.push(delivery(i));
    await b.p.idle();
    expect(db.durable.messages).toHaveLength(3);
  });

  it('a crash after commit but before ack: redelivered items are acked, not stored twice', async () => {
    const db = new ToyDb();
    const lostAcks: string[] = [];
    const a = pipeline(db, lostAcks);
    for (let i = 1; i <= 3; i++) a.p.push(delivery(i));
    await a.p.idle();
    const acked: string[] = [];
    const b = pipeline(db, acked);
    for (let i = 1; i <= 4; i++) b.p.push(delivery(i));
    await b.p.idle();
    expect(db.durable.messages).toEqual(['1:hello 1', '2:hello 2', '3:hello 3', '4:hello 4']);
    expect(acked).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(b.delivered).toEqual(['4:hello 4']);
  });

  it('drops an undecryptable item with its marker so it cannot block the queue', async () => {
    const db = new ToyDb();
    const acked: string[] = [];
    const dropped: string[] = [];
    const p = new ReceivePipeline<string>({ unit: db.unit(), ack: (ids) => acked.push(...ids), delivered: () => undefined, dropped: (d) => dropped.push(d.id) });
    p.push({ id: 'junk', kind: 'envelope', payload: new TextEncoder().encode('99:forged') });
    p.push(delivery(1));
    p.push(delivery(1));
    await p.idle();
    expect(dropped).toEqual(['junk']);
    expect(db.durable.messages).toEqual(['1:hello 1']);
    expect(db.durable.markers.has('junk')).toBe(true);
    expect(db.rejected).toEqual(['junk']);
    expect(acked).toEqual(['junk', 'e1', 'e1']);
  });

  it('a passing fault (database busy) rolls the batch back, acks nothing, and waits for the redelivery in order', async () => {
    const db = new ToyDb();
    const acked: string[] = [];
    const a = pipeline(db, acked, 10);
    db.faultOn = { id: 'e2', fault: busy() };
    for (let i = 1; i <= 3; i++) a.p.push(delivery(i));
    await a.p.idle();
    expect(a.failures).toHaveLength(1);
    expect(db.durable).toMatchObject({ ratchet: 0, messages: [] });
    expect(db.durable.markers.size).toBe(0);
    expect(acked).toEqual([]);
    // Until the next connection, later items must not overtake the ones to be delivered again.
    a.p.push(delivery(4));
    await a.p.idle();
    expect(db.durable.messages).toEqual([]);
    expect(a.p.isHalted).toBe(true);
    // Reconnected: the relay delivers everything unacknowledged again, and it all opens.
    db.faultOn = null;
    a.p.resume();
    for (let i = 1; i <= 4; i++) a.p.push(delivery(i));
    await a.p.idle();
    expect(db.durable.messages).toEqual(['1:hello 1', '2:hello 2', '3:hello 3', '4:hello 4']);
    expect(acked).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(db.rejected).toEqual([]);
  });

  it('an error of no known type is retried, and dropped only after a few attempts', async () => {
    const db = new ToyDb();
    const acked: string[] = [];
    const dropped: string[] = [];
    const p = new ReceivePipeline<string>({ unit: db.unit(), ack: (ids) => acked.push(...ids), delivered: () => undefined, dropped: (d) => dropped.push(d.id), maxUnexpected: 3 });
    db.faultOn = { id: 'bug', fault: new TypeError('cannot read properties of undefined') };
    for (let attempt = 1; attempt <= 3; attempt++) {
      p.resume();
      p.push({ id: 'bug', kind: 'envelope', payload: new Uint8Array() });
      p.push(delivery(1));
      await p.idle();
      if (attempt < 3) expect(acked).toEqual([]);
    }
    expect(dropped).toEqual(['bug']);
    expect(db.durable.messages).toEqual(['1:hello 1']);
    expect(acked).toEqual(['bug', 'e1']);
  });

  it('acknowledges a committed batch only once it is on disk; a failed fsync acks nothing more', async () => {
    const db = new ToyDb();
    const acked: string[] = [];
    const delivered: string[] = [];
    const failures: unknown[] = [];
    let sync: { resolve: () => void; reject: (e: Error) => void } | null = null;
    const unit = { ...db.unit(), durable: () => new Promise<void>((resolve, reject) => (sync = { resolve, reject })) };
    const p = new ReceivePipeline<string>({ unit, ack: (ids) => acked.push(...ids), delivered: (v) => delivered.push(...v), failed: (e) => failures.push(e), batchSize: 2 });
    p.push(delivery(1));
    p.push(delivery(2));
    await new Promise((r) => setTimeout(r, 10));
    // Committed and shown, but not acknowledged while the fsync runs.
    expect(db.durable.messages).toHaveLength(2);
    expect(delivered).toHaveLength(2);
    expect(acked).toEqual([]);
    sync!.resolve();
    await p.idle();
    expect(acked).toEqual(['e1', 'e2']);

    p.push(delivery(3));
    await new Promise((r) => setTimeout(r, 10));
    sync!.reject(new Error('EIO'));
    await p.idle();
    expect(acked).toEqual(['e1', 'e2']);
    expect(failures).toHaveLength(1);
    expect(p.isHalted).toBe(true);
  });

  it('yields to the event loop during a long catch-up', async () => {
    const db = new ToyDb();
    const p = new ReceivePipeline<string>({ unit: db.unit(), ack: () => undefined, delivered: () => undefined, batchSize: 10_000, sliceMs: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    for (let i = 1; i <= 3000; i++) p.push(delivery(i));
    await p.idle();
    clearInterval(timer);
    expect(db.durable.messages).toHaveLength(3000);
    expect(ticks).toBeGreaterThan(0);
  });
});
