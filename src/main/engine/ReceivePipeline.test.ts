import { describe, expect, it } from 'vitest';
import { ReceivePipeline, type Delivery, type ReceiveUnit } from './ReceivePipeline.ts';

/**
 * A toy "database" with transactional semantics: a ratchet counter (protocol state) that `open`
 * advances in a staging copy, messages, and dedupe markers. `crashAt` throws at a chosen point,
 * like a process dying there; the durable part is what survives.
 */
class ToyDb {
  durable = { ratchet: 0, messages: [] as string[], markers: new Set<string>() };
  crashAt: 'open' | 'commit' | null = null;

  unit(): ReceiveUnit<string> {
    return {
      seen: (id) => this.durable.markers.has(id),
      batch: async (work) => {
        let staged: number | null = null;
        const kept: { id: string; value: string | null }[] = [];
        await work({
          open: (d) => {
            if (this.crashAt === 'open') return Promise.reject(new CrashError());
            const r = (staged ?? this.durable.ratchet) + 1;
            // A message can be decrypted only with the state it was encrypted for.
            const text = new TextDecoder().decode(d.payload);
            if (Number(text.split(':')[0]) !== r) return Promise.reject(new Error('bad mac'));
            staged = r;
            return Promise.resolve(text);
          },
          keep: (id, value) => kept.push({ id, value }),
        });
        if (this.crashAt === 'commit') throw new CrashError();
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
