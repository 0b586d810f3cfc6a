import type { SqlDialect } from "./sql-store.ts";

/**
 * The few places where SQLite and PostgreSQL spell a statement differently. Everything else the
 * control plane writes is SQL both accept; a verb that needs one of these asks by dialect.
 */
export const sqlDialect = {
  /** The text of a top-level key of a JSON text column. */
  jsonText(dialect: SqlDialect, column: string, key: string): string {
    if (!/^[a-z_]+$/.test(key)) throw new Error(`not a plain JSON key: ${key}`);
    return dialect === "postgres" ? `(${column}::jsonb ->> '${key}')` : `json_extract(${column}, '$.${key}')`;
  },
  /**
   * Row locks for a read that a write in the same transaction depends on. SQLite has none: its
   * transactions take the database's write lock at BEGIN IMMEDIATE, which already serialises them.
   */
  forUpdate(dialect: SqlDialect, options: { skipLocked?: boolean } = {}): string {
    if (dialect === "sqlite") return "";
    return options.skipLocked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE";
  },
};
