// The shape shared by the data domain (storage/columnar.ts makes batches from DuckDB results) and
// the sandbox (moves them into isolates): it lives in the lowest layer so neither imports the other.
/**
 * A query result as the sandbox moves it into an isolate: one entry per result column, values
 * laid out so that each column crosses process and isolate boundaries as a few buffers instead
 * of one object per row.
 *
 * - `number`: every numeric DuckDB type, as float64. NULL slots hold NaN and are 0 in `valid`.
 * - `string`: all values concatenated in `chars`; value i is `chars.slice(offsets[i], offsets[i + 1])`
 *   (UTF-16 offsets). DATE and TIMESTAMP arrive here already in their output forms.
 * - `int64`: an integer column holding a value beyond ±(2^53-1); scripts get a number for each
 *   value within that range and a BigInt for each beyond (see policies/typed-values.ts).
 * - `json`: lists, each value JSON text laid out as `string` is; scripts get arrays.
 * - `boolean`: 0/1 per row.
 *
 * `valid` is null when the column has no NULLs, otherwise 1 for a value and 0 for NULL.
 * `sqlType` is the DuckDB type name, for documentation and diagnostics only.
 */
export type ColumnData =
  | { kind: "number"; values: Float64Array; valid: Uint8Array | null }
  | { kind: "int64"; values: BigInt64Array; valid: Uint8Array | null }
  | { kind: "string" | "json"; chars: string; offsets: Uint32Array; valid: Uint8Array | null }
  | { kind: "boolean"; values: Uint8Array; valid: Uint8Array | null };

export interface BatchColumn {
  name: string;
  sqlType: string;
  data: ColumnData;
}

export interface ColumnarBatch {
  rowCount: number;
  columns: BatchColumn[];
}
