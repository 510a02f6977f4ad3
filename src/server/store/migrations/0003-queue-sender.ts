/**
 * Each queued item names the device that sent it ('' for the relay's own control items), so that
 * one sender gets only its share of a recipient's queue.
 */
import type { Migration } from './Migration.ts';

export const queueSender: Migration = {
  version: 3,
  name: 'queue-sender',
  sql: "ALTER TABLE queue ADD COLUMN sender TEXT NOT NULL DEFAULT '';",
};
