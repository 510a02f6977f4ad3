/**
 * The former dedupe table (`seen`, keyed by item id alone) goes: the `dedupe` table, keyed by the
 * sender's send time and the id, has replaced it for longer than any item may wait in a queue.
 */
import type { Migration } from './Migration.ts';

export const dropSeen: Migration = {
  version: 2,
  name: 'drop-seen',
  sql: 'DROP TABLE IF EXISTS seen;',
};
