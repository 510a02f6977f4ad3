/**
 * Receipts this device owes wait on disk until the relay has taken them: one row per message and
 * kind, so a relay that is down or a restart loses none. Rows go when the relay acknowledges the
 * receipt message that carries them.
 */
import type { Migration } from './Migration.ts';

export const m0006: Migration = {
  version: 6,
  name: 'pending-receipts',
  up(db) {
    db.exec(`
      CREATE TABLE pending_receipts (
        channel_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('delivered', 'read')),
        message_id TEXT NOT NULL,
        PRIMARY KEY (channel_id, user_id, device_id, state, message_id)
      ) STRICT;
    `);
  },
};
