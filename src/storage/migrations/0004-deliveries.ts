/**
 * Per-device delivery state of this device's own messages and the last time each peer device was
 * heard from (issue 6 §4, §7), so receipts and a wipe's "waiting for … last seen …" survive a
 * restart. Only ids, states and times: no content. Rows of a channel go when it is wiped.
 */
import type { Migration } from './Migration.ts';

export const m0004: Migration = {
  version: 4,
  name: 'deliveries',
  up(db) {
    db.exec(`
      -- A message this device sent: receipts are taken for it only in its own channel.
      CREATE TABLE own_messages (
        message_id TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL,
        -- pending: in the outbox; sent: the relay took it; failed: the relay refused it for good.
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX own_messages_by_channel ON own_messages (channel_id);

      -- device_id '0' stands for a member without any enrolled device.
      CREATE TABLE message_deliveries (
        message_id TEXT NOT NULL REFERENCES own_messages(message_id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'read', 'failed', 'unreachable')),
        at INTEGER NOT NULL,
        PRIMARY KEY (message_id, user_id, device_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE device_last_seen (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (user_id, device_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
