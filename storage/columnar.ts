import type { DuckDBResult } from "@duckdb/node-api";
import type { ColumnarBatch } from "../policies/columnar-batch.ts";
import { DomainError } from "../policies/errors.ts";
import { batchOfAnswer } from "../policies/typed-values.ts";

/**
 * Converts a DuckDB query result into the columnar batch the sandbox moves into isolates, through
 * the same conversion the policy engine's answers take (`batchOfAnswer` in policies/typed-values.ts):
 * numbers as float64 (an integer column holding a value beyond ±(2^53-1) as int64, which scripts
 * receive as BigInt), dates and timestamps as strings in their output forms, lists as arrays.
 *
 * Rejects with `SQL_NOT_ALLOWED` for a result column of a type scripts cannot receive (STRUCT,
 * BLOB, INTERVAL, ...) or an integer beyond 64 bits, and with `LIMIT_EXCEEDED` when the result has
 * more than `maxRows` rows. Details name the column, never a value.
 *
 * @example
 * const batch = await toColumnarBatch(await connection.run("SELECT district, count(*) AS n FROM t GROUP BY 1"));
 */
export async function toColumnarBatch(
  result: DuckDBResult,
  options: { maxRows?: number } = {},
): Promise<ColumnarBatch> {
  const names = result.deduplicatedColumnNames();
  const columns = names.map((name, index) => ({ name, type: result.columnType(index).toString() }));
  const rows = await result.getRowsJson();
  if (options.maxRows !== undefined && rows.length > options.maxRows) {
    throw new DomainError("LIMIT_EXCEEDED", `the query returned more than ${options.maxRows} rows`);
  }
  return batchOfAnswer(columns, rows);
}
