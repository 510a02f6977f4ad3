/**
 * One table of protocol records keyed by a numeric id (pre-keys, signed pre-keys, Kyber pre-keys).
 * Reads and writes go through a StoreTarget, so a unit of work sees its own buffered writes and
 * commits them with the rest of its rows.
 */
import { RecordNotFound } from '../errors.ts';
import type { StoreTarget } from './StoreTarget.ts';

/** The SQL behind one record table: what a row reads as, and how it is written and deleted. */
export interface RecordRows<V> {
  /** Prefix of the unit-of-work keys, e.g. `prekey` → `prekey:7`. */
  readonly prefix: string;
  /** What a missing record is called in the error, e.g. `signed prekey`. */
  readonly label: string;
  get(id: number): V | null;
  put(id: number, value: V): void;
  del(id: number): void;
}

export class RecordTable<V> {
  constructor(
    private readonly rows: RecordRows<V>,
    private readonly target: StoreTarget,
  ) {}

  private key(id: number): string {
    return `${this.rows.prefix}:${id}`;
  }

  save(id: number, value: V): void {
    this.target.write(this.key(id), value, () => this.rows.put(id, value));
  }

  load(id: number): V | null {
    return this.target.read(this.key(id), () => this.rows.get(id));
  }

  /** The record, or RecordNotFound naming it. */
  require(id: number): V {
    const v = this.load(id);
    if (!v) throw new RecordNotFound(`${this.rows.label} ${id}`);
    return v;
  }

  remove(id: number): void {
    this.target.write(this.key(id), null, () => this.rows.del(id));
  }
}
