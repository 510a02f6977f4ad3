/** Signed records kept as opaque bytes plus the fields we index, and the local audit log. */
import type { Migration } from './Migration.ts';

export const m0003: Migration = {
  version: 3,
  name: 'records',
  up(db) {
    db.exec(`
      -- The latest certificate per member (device_id 0) and per device, as the crypto layer encoded it.
      CREATE TABLE certificates (
        kind TEXT NOT NULL CHECK (kind IN ('member', 'device')),
        user_id TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (kind, user_id, device_id)
      ) STRICT;
      CREATE TABLE revocations (
        id INTEGER PRIMARY KEY,
        digest BLOB NOT NULL UNIQUE,
        record BLOB NOT NULL
      ) STRICT;
      CREATE TABLE wipe_receipts (
        channel_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        record BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, device_id)
      ) STRICT;
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
      ) STRICT;
      -- Previous signed states, so rollback checks can look back beyond the latest one.
      CREATE TABLE channel_states (
        channel_id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (channel_id, epoch)
      ) STRICT;
    `);
  },
};
