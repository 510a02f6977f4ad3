import type { Db } from '../Database.ts';

/** One numbered schema step. `up` runs inside a transaction together with the user_version bump. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Db): void;
}
