/**
 * Channels: the latest signed state record (opaque bytes; crypto verifies it) with the fields the
 * client indexes, the members, and previous states for rollback checks.
 */
import type { ChannelPolicy } from '../../shared/model/policy.ts';
import type { ChannelRole } from '../../shared/model/roles.ts';
import type { Db } from '../Database.ts';

export type ChannelStatus = 'active' | 'paused' | 'wiped';

export interface ChannelMember {
  userId: string;
  role: ChannelRole;
}

export interface ChannelRecord {
  id: string;
  epoch: number;
  status: ChannelStatus;
  classification: number;
  policy: ChannelPolicy;
  members: ChannelMember[];
  /** The signed state record as received. */
  state: Uint8Array;
  updatedAt: number;
}

interface Row {
  id: string;
  epoch: number;
  status: ChannelStatus;
  classification: number;
  policy: string;
  state: Buffer;
  updated_at: number;
}

export class ChannelRepository {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      upsert: db.prepare(
        `INSERT INTO channels (id, epoch, status, classification, policy, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, status = excluded.status, classification = excluded.classification,
           policy = excluded.policy, state = excluded.state, updated_at = excluded.updated_at`,
      ),
      history: db.prepare('INSERT OR REPLACE INTO channel_states (channel_id, epoch, record) VALUES (?, ?, ?)'),
      delMembers: db.prepare('DELETE FROM channel_members WHERE channel_id = ?'),
      addMember: db.prepare('INSERT INTO channel_members (channel_id, user_id, role) VALUES (?, ?, ?)'),
      get: db.prepare<[string], Row>('SELECT * FROM channels WHERE id = ?'),
      all: db.prepare<[], Row>('SELECT * FROM channels ORDER BY id'),
      members: db.prepare<[string], { user_id: string; role: ChannelRole }>(
        'SELECT user_id, role FROM channel_members WHERE channel_id = ? ORDER BY user_id',
      ),
      stateAt: db.prepare<[string, number], { record: Buffer }>('SELECT record FROM channel_states WHERE channel_id = ? AND epoch = ?'),
      setStatus: db.prepare('UPDATE channels SET status = ?, updated_at = ? WHERE id = ?'),
    };
  }

  /** Saves a verified state as the channel's current one (the caller checked it is newer). */
  save(c: ChannelRecord): void {
    this.s.upsert.run(c.id, c.epoch, c.status, c.classification, JSON.stringify(c.policy), c.state, c.updatedAt);
    this.s.history.run(c.id, c.epoch, c.state);
    this.s.delMembers.run(c.id);
    for (const m of c.members) this.s.addMember.run(c.id, m.userId, m.role);
  }

  get(id: string): ChannelRecord | null {
    const r = this.s.get.get(id);
    return r ? this.decode(r) : null;
  }

  list(): ChannelRecord[] {
    return this.s.all.all().map((r) => this.decode(r));
  }

  stateAt(id: string, epoch: number): Uint8Array | null {
    return this.s.stateAt.get(id, epoch)?.record ?? null;
  }

  setStatus(id: string, status: ChannelStatus, at = Date.now()): void {
    this.s.setStatus.run(status, at, id);
  }

  private decode(r: Row): ChannelRecord {
    return {
      id: r.id,
      epoch: r.epoch,
      status: r.status,
      classification: r.classification,
      policy: JSON.parse(r.policy) as ChannelPolicy,
      members: this.s.members.all(r.id).map((m) => ({ userId: m.user_id, role: m.role })),
      state: r.state,
      updatedAt: r.updated_at,
    };
  }
}
