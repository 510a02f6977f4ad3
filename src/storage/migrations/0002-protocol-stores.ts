/** libsignal's persistent state: our identity, peers' identities, sessions, prekeys, sender keys. */
import type { Migration } from './Migration.ts';

export const m0002: Migration = {
  version: 2,
  name: 'protocol-stores',
  up(db) {
    db.exec(`
      CREATE TABLE local_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        private_key BLOB NOT NULL,
        registration_id INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE identities (
        name TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        public_key BLOB NOT NULL,
        first_seen INTEGER NOT NULL,
        PRIMARY KEY (name, device_id)
      ) STRICT;
      CREATE TABLE sessions (
        name TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (name, device_id)
      ) STRICT;
      CREATE TABLE prekeys (id INTEGER PRIMARY KEY, record BLOB NOT NULL) STRICT;
      CREATE TABLE signed_prekeys (id INTEGER PRIMARY KEY, record BLOB NOT NULL) STRICT;
      CREATE TABLE kyber_prekeys (
        id INTEGER PRIMARY KEY,
        record BLOB NOT NULL,
        last_resort INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE TABLE kyber_used (
        kyber_id INTEGER NOT NULL,
        signed_prekey_id INTEGER NOT NULL,
        base_key BLOB NOT NULL,
        PRIMARY KEY (kyber_id, signed_prekey_id, base_key)
      ) STRICT;
      CREATE TABLE sender_keys (
        name TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        distribution_id TEXT NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (name, device_id, distribution_id)
      ) STRICT;
      -- Which channel a sender-key distribution belongs to, so a wipe can find its sender keys.
      CREATE TABLE channel_distributions (
        distribution_id TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL
      ) STRICT;
      CREATE INDEX channel_distributions_by_channel ON channel_distributions (channel_id);
    `);
  },
};
