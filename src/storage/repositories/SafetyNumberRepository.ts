/** Safety numbers the user compared and confirmed, per peer device. */
import type { Db } from '../Database.ts';

export class SafetyNumberRepository {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      put: db.prepare('INSERT INTO verified_safety_numbers (user_id, device_id, digits) VALUES (?, ?, ?) ON CONFLICT (user_id, device_id) DO UPDATE SET digits = excluded.digits'),
      get: db.prepare<[string, string], { digits: string }>('SELECT digits FROM verified_safety_numbers WHERE user_id = ? AND device_id = ?'),
    };
  }

  verify(userId: string, deviceId: string, digits: string): void {
    this.s.put.run(userId, deviceId, digits);
  }

  /** The digits confirmed for the device, if any (compare with the current ones: keys may change). */
  verified(userId: string, deviceId: string): string | undefined {
    return this.s.get.get(userId, deviceId)?.digits;
  }
}
