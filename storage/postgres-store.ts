import pg from "pg";
import { applyMigrations } from "./schema.ts";
import type { SqlExecutor, SqlStore, SqlValue } from "./sql-store.ts";

export interface PostgresStoreOptions {
  /** Connections kept open at most (default 10). */
  readonly maxConnections?: number;
}

/** PostgreSQL's `timestamp` and `timestamptz` type ids. */
const TIMESTAMP_OIDS = new Set([1114, 1184]);

/**
 * A timestamp as PostgreSQL writes it (`2026-12-04 15:39:20.574127+00`, or without a zone for
 * `timestamp`, which the control plane only ever means as UTC) in the RFC 3339 form the rest of
 * the control plane writes: `2026-12-04T15:39:20.574Z`.
 */
export function rfc3339FromPostgres(text: string): string {
  const zoned = /(Z|[+-]\d\d(:?\d\d)?)$/.test(text) ? text : `${text}Z`;
  const iso = zoned.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? text : time.toISOString();
}

// Counts and sums (BIGINT, NUMERIC) come back as numbers, as SQLite gives them: every figure the
// control plane keeps (micro-ε, positions, counts) is far below 2^53. Timestamps come back as the
// RFC 3339 text every column holds (instants are stored as text; this covers any the SQL computes,
// e.g. `now()`), so no record reaches the API in PostgreSQL's own timestamp form.
export const POSTGRES_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 || oid === 1700) return (text: string) => Number(text);
    if (TIMESTAMP_OIDS.has(oid)) return rfc3339FromPostgres;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * The control plane on PostgreSQL, for several nodes sharing one store (`DATABASE_URL`).
 * Transactions run at READ COMMITTED on a pooled connection; the statements that must serialise
 * (the audit chain's head, a license's budget) take row locks or are conditional updates, so two
 * nodes never interleave where it matters.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<SqlStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types: POSTGRES_TYPES,
  });
  // An idle connection the server closed must not take the process down.
  pool.on("error", () => undefined);
  const location = redact(url);
  const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    dialect: "postgres",
    async query<T>(sql: string, params: readonly SqlValue[] = []) {
      return (await client.query(sql, params as SqlValue[])).rows as T[];
    },
    async run(sql, params = []) {
      return (await client.query(sql, params as SqlValue[])).rowCount ?? 0;
    },
  });
  const transaction = async <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      try {
        const result = await work(executor(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        // A connection that cannot roll back is broken: PostgreSQL drops the transaction with it,
        // and the work's own error is the one to report.
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
  };
  try {
    await applyMigrations({ dialect: "postgres", transaction, location });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const direct = executor(pool);
  return {
    dialect: "postgres",
    location,
    query: direct.query,
    run: direct.run,
    transaction,
    close: () => pool.end(),
  };
}

/** The URL without its password, for logs and messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres (unparsable URL)";
  }
}
