import type { SqlDialect, SqlExecutor } from "./sql-store.ts";

/**
 * Text ordered by code point, the same on both engines: rows whose order matters are sorted with
 * it in code, since PostgreSQL's collation may order text differently from SQLite's.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Transaction-scoped turns on PostgreSQL, by what they guard: transactions that count rows before
 * adding one (or that set a domain up) take the same turn until they commit, on every node.
 * SQLite's write lock (BEGIN IMMEDIATE) already orders all writers.
 */
const TURNS = {
  migration: 7420051,
  provisioning: 7420052,
  domainVersion: 7420053,
  admission: 7420061,
  claim: 7420062,
  // Freezes take it alone, releases together: a release either commits before a freeze or sees it.
  freeze: 7420063,
  signOn: 7420064,
} as const;

/**
 * The few places where SQLite and PostgreSQL spell a statement differently. Everything else the
 * control plane writes is SQL both accept; a verb that needs one of these asks by dialect.
 */
export const sqlDialect = {
  /**
   * A text expression compared by code point, as `compareText` does (SQLite's default BINARY
   * collation already does): for keyset pages ordered the same on both engines.
   */
  codePointText(dialect: SqlDialect, expression: string): string {
    return dialect === "postgres" ? `(${expression} COLLATE "C")` : expression;
  },
  /** The text of a top-level key of a JSON text column. */
  jsonText(dialect: SqlDialect, column: string, key: string): string {
    if (!/^[a-z_]+$/.test(key)) throw new Error(`not a plain JSON key: ${key}`);
    return dialect === "postgres" ? `(${column}::jsonb ->> '${key}')` : `json_extract(${column}, '$.${key}')`;
  },
  /**
   * Whether a JSON text column holds, under top-level `key`, an array with an object whose `field`
   * is one of `placeholders` (e.g. `$2, $3`): to filter on the datasets a document names.
   */
  jsonArrayFieldIn(
    dialect: SqlDialect,
    column: string,
    key: string,
    field: string,
    placeholders: string,
  ): string {
    if (!/^[a-z_]+$/.test(key) || !/^[a-z_]+$/.test(field))
      throw new Error(`not plain JSON keys: ${key}, ${field}`);
    return dialect === "postgres"
      ? `EXISTS (SELECT 1 FROM jsonb_array_elements(${column}::jsonb -> '${key}') AS e WHERE e ->> '${field}' IN (${placeholders}))`
      : `EXISTS (SELECT 1 FROM json_each(${column}, '$.${key}') WHERE json_extract(value, '$.${field}') IN (${placeholders}))`;
  },
  /**
   * Row locks for a read that a write in the same transaction depends on. SQLite has none: its
   * transactions take the database's write lock at BEGIN IMMEDIATE, which already serialises them.
   */
  forUpdate(dialect: SqlDialect, options: { skipLocked?: boolean } = {}): string {
    if (dialect === "sqlite") return "";
    return options.skipLocked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE";
  },
  /**
   * Waits for `turn` until this transaction ends (PostgreSQL; nothing to do on SQLite). A shared
   * turn is held by many transactions at once and excludes only the exclusive takers.
   */
  async turn(
    tx: Pick<SqlExecutor, "dialect" | "query">,
    turn: keyof typeof TURNS,
    options: { shared?: boolean } = {},
  ): Promise<void> {
    if (tx.dialect !== "postgres") return;
    const lock = options.shared ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
    await tx.query(`SELECT ${lock}(${TURNS[turn]})`);
  },
};
