/**
 * The relay's first schema, as data directories created before numbered migrations have it
 * (every statement is IF NOT EXISTS, so such a directory passes through unchanged).
 */
import type { Migration } from './Migration.ts';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE IF NOT EXISTS members (user_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, clearance INTEGER NOT NULL,
  roles TEXT NOT NULL, serial TEXT NOT NULL, certificate BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS devices (user_id TEXT NOT NULL, device_id INTEGER NOT NULL, identity_key BLOB NOT NULL,
  serial TEXT NOT NULL, not_after_ms INTEGER NOT NULL, certificate BLOB NOT NULL, PRIMARY KEY (user_id, device_id));
CREATE TABLE IF NOT EXISTS revocations (serial TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id INTEGER NOT NULL,
  revocation BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS enrolments (request_id TEXT PRIMARY KEY, request BLOB NOT NULL, code TEXT NOT NULL,
  display_name TEXT NOT NULL, submitted_ms INTEGER NOT NULL, user_id TEXT, device_certificate BLOB);
CREATE TABLE IF NOT EXISTS enrolment_nonces (request_id TEXT PRIMARY KEY, nonce_record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signed_prekeys (user_id TEXT NOT NULL, device_id INTEGER NOT NULL, signed_prekey BLOB,
  kyber_last_resort BLOB, PRIMARY KEY (user_id, device_id));
CREATE TABLE IF NOT EXISTS one_time_prekeys (user_id TEXT NOT NULL, device_id INTEGER NOT NULL, kyber INTEGER NOT NULL,
  key_id INTEGER NOT NULL, record BLOB NOT NULL, PRIMARY KEY (user_id, device_id, kyber, key_id));
-- Dedupe of item ids, keyed by the sender's send time first: ids are random, and a random key
-- dirties a page of its own in every commit (one 4 KiB WAL write per delivery), while keys that
-- grow with the clock land on the same few pages. A resend has the same bytes, so the same key.
CREATE TABLE IF NOT EXISTS dedupe (sent_ms INTEGER NOT NULL, id BLOB NOT NULL, until_ms INTEGER NOT NULL,
  PRIMARY KEY (sent_ms, id)) WITHOUT ROWID;
-- The former dedupe table (by id alone): still consulted while it holds unexpired ids.
CREATE TABLE IF NOT EXISTS seen (id BLOB PRIMARY KEY, until_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, device_id INTEGER NOT NULL,
  item_id BLOB NOT NULL, kind TEXT NOT NULL, channel_id BLOB NOT NULL, payload BLOB NOT NULL, expires_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS queue_device ON queue (user_id, device_id, seq);
-- One index only: every send and ack pays for each index, while wipes and the once-a-minute expiry
-- sweep are rare enough to scan. Duplicates are kept out by the relay-wide dedupe table; acks delete
-- by sequence number.
CREATE TABLE IF NOT EXISTS channel_changes (channel_id BLOB NOT NULL, n INTEGER NOT NULL, change BLOB NOT NULL,
  PRIMARY KEY (channel_id, n));
CREATE TABLE IF NOT EXISTS wiped_channels (channel_id BLOB PRIMARY KEY, wiped_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, event TEXT NOT NULL,
  actor TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL);
-- The audit log is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
`,
};
