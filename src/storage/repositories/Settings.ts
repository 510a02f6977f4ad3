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

/** A key map: each key's zod schema. */
export type SettingsSchemas = Record<string, z.ZodType>;

/**
 * The settings table read through one key map: a value is checked on write and on read (a stored
 * value that no longer matches reads as unset), so a typo or a wrong shape is a compile error.
 */
export class TypedSettings<S extends SettingsSchemas> {
  constructor(
    private readonly table: SettingsTable,
    private readonly schemas: S,
  ) {}

  get<K extends keyof S & string>(key: K): z.infer<S[K]> | undefined {
    const value = this.table.read(key);
    if (value === undefined) return undefined;
    const checked = this.schemas[key]!.safeParse(value);
    return checked.success ? (checked.data as z.infer<S[K]>) : undefined;
  }

  set<K extends keyof S & string>(key: K, value: z.infer<S[K]>): void {
    this.table.write(key, this.schemas[key]!.parse(value));
  }

  delete<K extends keyof S & string>(key: K): void {
    this.table.remove(key);
  }
}

/** The raw table under the typed views. */
export class SettingsTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      set: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      del: db.prepare('DELETE FROM settings WHERE key = ?'),
    };
  }

  read(key: string): unknown {
    const r = this.s.get.get(key);
    return r ? (JSON.parse(r.value) as unknown) : undefined;
  }

  write(key: string, value: unknown): void {
    this.s.set.run(key, JSON.stringify(value));
  }

  remove(key: string): void {
    this.s.del.run(key);
  }
}

/** The storage layer's own settings, plus typed views for other layers' key maps (`typed`). */
export class Settings extends TypedSettings<typeof SETTINGS_SCHEMAS> {
  private readonly raw: SettingsTable;

  constructor(db: Db) {
    const raw = new SettingsTable(db);
    super(raw, SETTINGS_SCHEMAS);
    this.raw = raw;
  }

  /** The same table through another layer's key map (the engine's records). */
  typed<S extends SettingsSchemas>(schemas: S): TypedSettings<S> {
    return new TypedSettings(this.raw, schemas);
  }
}
