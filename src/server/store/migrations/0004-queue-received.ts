/**
 * Each queued item keeps the relay's time of receipt, delivered with it: a receiver then shows no
 * message as sent much earlier than the relay saw it. Items queued before this have 0 (no stamp).
 */
import type { Migration } from './Migration.ts';

export const queueReceived: Migration = {
  version: 4,
  name: 'queue-received',
  sql: 'ALTER TABLE queue ADD COLUMN received_ms INTEGER NOT NULL DEFAULT 0;',
};
