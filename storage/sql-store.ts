/**
 * The control plane's transactional store, as the domain verbs see it: statements with numbered
 * parameters (`$1`, `$2`, …) and transactions. Two adapters implement it — SQLite for one node
 * (`sqlite-store.ts`) and PostgreSQL for several (`postgres-store.ts`) — and every verb is written
 * once in the SQL both accept; where they differ, `dialect` picks the fragment (see `sql-dialect.ts`).
 *
 * Values cross it as strings, numbers and null only: timestamps are RFC 3339 text written by the
 * caller's clock (one clock for the row and its audit entry), documents are JSON text, counts and
 * sums come back as numbers from both adapters.
 */
export type SqlValue = string | number | null;

export type SqlDialect = "sqlite" | "postgres";

export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** Rows of a statement (a read, or a write with RETURNING). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlStore extends SqlExecutor {
  /** Where the store lives, for logs and readiness (a file path, or a URL without its password). */
  readonly location: string;
  /**
   * Runs `work` in one transaction that sees its own writes and commits durably (SQLite: WAL with
   * a full sync; PostgreSQL: synchronous commit) before this resolves; rolls back if it throws.
   * Writers are serialised by the database itself (SQLite's write lock; PostgreSQL's row locks
   * taken by the statements), never by the order of calls in a process.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Unique-key violations of either engine, for verbs whose answer to a duplicate is not an error. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}
