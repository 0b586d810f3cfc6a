import type { ColumnarBatch } from "./batch.ts";

/** A value a script may bind to a `?` / `$n` placeholder. */
export type SqlParam = string | number | boolean | null;

/** One query of a job, as the script asked for it (already checked for type and size). */
export interface QueryRequest {
  jobId: string;
  sql: string;
  params: readonly SqlParam[];
  /** `rows` for `ctx.sql`, `columns` for `ctx.sqlColumns`; the data is the same either way. */
  shape: "rows" | "columns";
  /** Rows the job may still receive; a larger result fails the job, so a port may stop early. */
  maxRows: number;
  /** Aborted when the job ends (limit, crash, cancellation) while the query is still running. */
  signal: AbortSignal;
}

/**
 * The only way data reaches a script. The sandbox worker holds no data access; the job runner in
 * the parent process answers each `ctx.sql` / `ctx.sqlColumns` through this port, which the policy
 * engine implements (parse, check column rules, rewrite, charge budget, run on DuckDB).
 *
 * `execute` rejects with a `DomainError` (e.g. `SQL_NOT_ALLOWED`, `POLICY_VIOLATION`,
 * `BUDGET_EXHAUSTED`) whose `code` and `detail` the script sees as a rejected promise; any other
 * rejection reaches the script only as "query failed" with code `INTERNAL`.
 *
 * @example
 * const port: QueryPort = {
 *   async execute({ sql, params }) {
 *     return toColumnarBatch(await connection.run(sql, [...params]));
 *   },
 * };
 */
export interface QueryPort {
  execute(request: QueryRequest): Promise<ColumnarBatch>;
}
