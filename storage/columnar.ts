import {
  type DuckDBResult,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type Json,
  JsonDuckDBValueConverter,
} from "@duckdb/node-api";
import type { ColumnarBatch } from "../policies/columnar-batch.ts";
import { DomainError } from "../policies/errors.ts";
import { batchOfAnswer, timestampOfMicros } from "../policies/typed-values.ts";

/** 0001-01-01 and 10000-01-01 in microseconds since the epoch: the years written here. */
const FIRST_MICROS = -62_135_596_800_000_000n;
const END_MICROS = 253_402_300_800_000_000n;

/**
 * DuckDB's spelling of a TIMESTAMP (as the binding's `toString` gives it: `2025-01-06 00:00:00`,
 * a fraction of up to six digits without trailing zeros) for the years 1 to 9999: the output form
 * with a space for the "T". Undefined for other years (BC, infinity), which the binding spells.
 */
function timestampText(micros: bigint): string | undefined {
  if (micros < FIRST_MICROS || micros >= END_MICROS) return undefined;
  return timestampOfMicros(micros, null).replace("T", " ");
}

/**
 * DuckDB's JSON rendering of a result's values, the form every reader of query results here
 * takes (`getRowsJson` gives it), with TIMESTAMP values written here: the binding spells each
 * through a dozen BigInt operations and a Date, most of the time a result of dates by day or
 * hour takes to read. The text is the same (tests compare the two over the whole range).
 */
export const answerValues: DuckDBValueConverter<Json> = (value, type, converter) =>
  type.typeId === DuckDBTypeId.TIMESTAMP && value instanceof DuckDBTimestampValue
    ? (timestampText(value.micros) ?? JsonDuckDBValueConverter(value, type, converter))
    : JsonDuckDBValueConverter(value, type, converter);

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
  const rows = await result.convertRows(answerValues);
  if (options.maxRows !== undefined && rows.length > options.maxRows) {
    throw new DomainError("LIMIT_EXCEEDED", `the query returned more than ${options.maxRows} rows`);
  }
  return batchOfAnswer(columns, rows);
}
