/** The local audit trail: who did what to which object, never message content. */
import type { Db } from '../Database.ts';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: string;
}

export class AuditLog {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      add: db.prepare('INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)'),
      recent: db.prepare<[number], AuditEntry>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?'),
    };
  }

  append(e: Omit<AuditEntry, 'id' | 'at' | 'detail'> & { at?: number; detail?: string }): void {
    this.s.add.run(e.at ?? Date.now(), e.actor, e.action, e.subject, e.detail ?? '');
  }

  /** Newest first. */
  recent(limit = 100): AuditEntry[] {
    return this.s.recent.all(limit);
  }
}
