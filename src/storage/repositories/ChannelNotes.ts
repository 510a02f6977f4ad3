/**
 * Two per-channel notes kept beside the signed state: the epoch whose change rotated sender keys
 * (the previous epoch's keys are refused from then on) and pause reasons from before the reason
 * was part of the signed state.
 */
import type { Db } from '../Database.ts';

export class RotationRepository {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      put: db.prepare('INSERT INTO key_rotations (channel_id, epoch) VALUES (?, ?) ON CONFLICT (channel_id) DO UPDATE SET epoch = excluded.epoch'),
      all: db.prepare<[], { channel_id: string; epoch: number }>('SELECT * FROM key_rotations'),
    };
  }

  set(channelId: string, epoch: number): void {
    this.s.put.run(channelId, epoch);
  }

  all(): Map<string, number> {
    return new Map(this.s.all.all().map((r) => [r.channel_id, r.epoch]));
  }
}

export class PausedReasonRepository {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      all: db.prepare<[], { channel_id: string; reason: string }>('SELECT * FROM paused_reasons'),
      del: db.prepare('DELETE FROM paused_reasons WHERE channel_id = ?'),
      put: db.prepare('INSERT OR REPLACE INTO paused_reasons (channel_id, reason) VALUES (?, ?)'),
    };
  }

  all(): Map<string, string> {
    return new Map(this.s.all.all().map((r) => [r.channel_id, r.reason]));
  }

  set(channelId: string, reason: string): void {
    this.s.put.run(channelId, reason);
  }

  delete(channelId: string): void {
    this.s.del.run(channelId);
  }
}
