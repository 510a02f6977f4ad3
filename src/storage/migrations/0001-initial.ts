/** Channels, per-channel data keys, messages with their per-channel FTS5 indexes, outbox, dedupe markers, settings. */
import type { Migration } from './Migration.ts';

export const m0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

      CREATE TABLE channels (
        id TEXT PRIMARY KEY,
        epoch INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'wiped')),
        classification INTEGER NOT NULL,
        policy TEXT NOT NULL,
        state BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE channel_members (
        channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        role TEXT NOT NULL,
        PRIMARY KEY (channel_id, user_id)
      ) STRICT;

      -- Local-only AES-256-GCM keys for message bodies; deleting a row crypto-shreds the channel.
      CREATE TABLE channel_keys (channel_id TEXT PRIMARY KEY, key BLOB NOT NULL) STRICT;

      -- Clustered by channel and time: the newest page of a channel is a few adjacent pages, so
      -- reading it decrypts few database pages even when none is cached. seq is the FTS rowid.
      CREATE TABLE messages (
        channel_id TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        sender TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        expires_at INTEGER,
        body BLOB NOT NULL,
        PRIMARY KEY (channel_id, sent_at, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX messages_by_id ON messages (id);
      CREATE UNIQUE INDEX messages_by_seq ON messages (seq);
      CREATE INDEX messages_by_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;

      -- One contentless FTS5 table per channel (message_fts_<n>, see ChannelIndexes.ts), so wiping a
      -- channel drops its whole index at once; secure_delete zeroes the freed pages.
      CREATE TABLE channel_indexes (channel_id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE) STRICT;

      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        channel_id TEXT NOT NULL,
        message_id TEXT,
        payload BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX outbox_due ON outbox (next_attempt_at);

      -- Envelope ids already processed, so a redelivery after a crash is recognised.
      CREATE TABLE received (envelope_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL) STRICT;
    `);
  },
};
