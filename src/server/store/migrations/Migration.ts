/** One numbered step of the relay store's schema; `version` is what `PRAGMA user_version` reads after it. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
