/**
 * The profile's few real settings, as a typed key map: each key has a zod schema, checked on read
 * (a value that does not match reads as unset) and on write.
 */
import { z } from 'zod';
import type { Db } from '../Database.ts';

export const SETTINGS_SCHEMAS = {
  /** This device's prekeys were generated and uploaded once: later connections only top them up. */
  'engine.prekeysReady': z.boolean(),
} as const;

export type SettingsMap = { [K in keyof typeof SETTINGS_SCHEMAS]: z.infer<(typeof SETTINGS_SCHEMAS)[K]> };
export type SettingsKey = keyof SettingsMap;

const isKnown = (key: string): key is SettingsKey => Object.hasOwn(SETTINGS_SCHEMAS, key);

export class Settings {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      set: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      del: db.prepare('DELETE FROM settings WHERE key = ?'),
    };
  }

  get<K extends SettingsKey>(key: K): SettingsMap[K] | undefined;
  /** Profile records kept by the engine's own code under its own keys (checked where they are read). */
  get<T>(key: string): T | undefined;
  get(key: string): unknown {
    const r = this.s.get.get(key);
    if (!r) return undefined;
    const value = JSON.parse(r.value) as unknown;
    if (!isKnown(key)) return value;
    const checked = SETTINGS_SCHEMAS[key].safeParse(value);
    return checked.success ? checked.data : undefined;
  }

  set<K extends SettingsKey>(key: K, value: SettingsMap[K]): void;
  set(key: string, value: unknown): void;
  set(key: string, value: unknown): void {
    const v = isKnown(key) ? SETTINGS_SCHEMAS[key].parse(value) : value;
    this.s.set.run(key, JSON.stringify(v));
  }

  delete(key: string): void {
    this.s.del.run(key);
  }
}
