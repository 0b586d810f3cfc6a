import { z } from "zod";
import { columnTypes, type OutputValue, type ValueType, valueTypeOfSql } from "../policies/typed-values.ts";
import type { SandboxLimits } from "./limits.ts";
import { OutputScalar, type OutputTypes, type SandboxFailure, type SandboxOutputs } from "./result.ts";

/** An output's name: it becomes a URL segment and a file name, so it is kept plain. */
export const OutputName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/);
/** A column of an output row. `__proto__` is refused so no consumer can pollute a prototype with it. */
export const OutputColumnName = z
  .string()
  .min(1)
  .max(256)
  .refine((name) => name !== "__proto__");

/** A cell: a scalar or a list of cells (`validateOutputs` also bounds lists at 4 deep). */
export const OutputCellSchema: z.ZodType<OutputValue> = z.lazy(() =>
  z.union([OutputScalar, z.array(OutputCellSchema)]),
);
/** The output schema: named tables of rows of cells. The single source for validation and OpenAPI. */
export const SandboxOutputsSchema = z.record(
  OutputName,
  z.array(z.record(OutputColumnName, OutputCellSchema)),
);

export interface OutputStats {
  rows: number;
  cells: number;
  bytes: number;
}

function outputError(message: string, code: SandboxFailure["code"] = "SCRIPT_ERROR"): SandboxFailure {
  return {
    code,
    class: code === "LIMIT_EXCEEDED" ? "LimitExceeded" : "OutputError",
    message,
    source: "script",
  };
}

/**
 * Validates the outputs a worker sent (JSON text the isolate produced) against the output schema
 * and the job's limits. This runs in the parent, on data parsed here: no script code and no worker
 * object is involved, so whatever the isolate did, only plain validated values come out.
 *
 * Beyond the schema, every row of a table must have the same columns and each column one type
 * (nulls aside), so a table maps to CSV and Arrow without guessing. `typesJson` is what the isolate
 * declared per output column (the SQL type of a query column passed through, BIGINT for BigInts);
 * a declared type holds only when every value conforms to it (policies/typed-values.ts).
 */
export function validateOutputs(
  json: string,
  limits: SandboxLimits,
  typesJson = "{}",
):
  | { ok: true; outputs: SandboxOutputs; types: OutputTypes; stats: OutputStats }
  | { ok: false; failure: SandboxFailure } {
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes > limits.maxOutputBytes) {
    return {
      ok: false,
      failure: outputError(`outputs exceed ${limits.maxOutputBytes} bytes`, "LIMIT_EXCEEDED"),
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, failure: outputError("outputs are not valid JSON") };
  }
  const mismatch = schemaMismatch(parsed);
  if (mismatch !== undefined) {
    return {
      ok: false,
      failure: outputError(`outputs do not match the output schema at ${mismatch || "the top level"}`),
    };
  }
  const outputs = parsed as SandboxOutputs;
  const declared = declaredTypes(typesJson);
  const types: OutputTypes = {};
  let rows = 0;
  let cells = 0;
  for (const [name, table] of Object.entries(outputs)) {
    const first = table[0];
    if (!first) continue;
    const columns = Object.keys(first);
    for (const [index, row] of table.entries()) {
      const keys = Object.keys(row);
      if (keys.length !== columns.length || !columns.every((column) => Object.hasOwn(row, column))) {
        return {
          ok: false,
          failure: outputError(`output "${name}" row ${index} has other columns than row 0`),
        };
      }
      rows++;
      cells += columns.length;
    }
    const typed = columnTypes(table, declared[name]);
    const resolved: Record<string, ValueType> = {};
    for (const column of columns) {
      const type = typed[column];
      if (!type) {
        const kinds = [
          ...new Set(table.map((row) => kindOf(row[column] ?? null)).filter((k) => k !== "null")),
        ];
        return {
          ok: false,
          failure: outputError(`output "${name}" column "${column}" mixes ${kinds.join(" and ")} values`),
        };
      }
      resolved[column] = type;
    }
    types[name] = resolved;
  }
  if (rows > limits.maxOutputRows) {
    return {
      ok: false,
      failure: outputError(`outputs exceed ${limits.maxOutputRows} rows`, "LIMIT_EXCEEDED"),
    };
  }
  if (cells > limits.maxOutputCells) {
    return {
      ok: false,
      failure: outputError(`outputs exceed ${limits.maxOutputCells} cells`, "LIMIT_EXCEEDED"),
    };
  }
  return { ok: true, outputs, types, stats: { rows, cells, bytes } };
}

function kindOf(value: OutputValue): string {
  return Array.isArray(value) ? "list" : value === null ? "null" : typeof value;
}

/** The isolate's declarations, kept only where they name a type outputs carry. */
function declaredTypes(json: string): Record<string, Record<string, ValueType>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  const declared: Record<string, Record<string, ValueType>> = {};
  if (!isPlainRecord(parsed)) return declared;
  for (const [name, columns] of Object.entries(parsed)) {
    if (!isPlainRecord(columns)) continue;
    const table: Record<string, ValueType> = {};
    for (const [column, sqlType] of Object.entries(columns)) {
      const type = typeof sqlType === "string" ? valueTypeOfSql(sqlType) : undefined;
      if (type) table[column] = type;
    }
    declared[name] = table;
  }
  return declared;
}

const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/**
 * Where `value` (parsed from JSON) departs from `SandboxOutputsSchema`, as a dotted path ("" for
 * the top level); undefined when it conforms. The same rules as the schema, checked by hand:
 * zod took 15–50 ms of the gateway's main thread for a 4,000-row output, this takes about one.
 * `__proto__` is refused as an output name as well as a column name.
 */
function schemaMismatch(value: unknown): string | undefined {
  if (!isPlainRecord(value)) return "";
  for (const name of Object.keys(value)) {
    if (!OUTPUT_NAME.test(name) || name === "__proto__") return name;
    const table = value[name];
    if (!Array.isArray(table)) return name;
    for (let index = 0; index < table.length; index++) {
      const row: unknown = table[index];
      if (!isPlainRecord(row)) return `${name}.${index}`;
      for (const column of Object.keys(row)) {
        if (column.length < 1 || column.length > 256 || column === "__proto__")
          return `${name}.${index}.${column}`;
        if (!isOutputValue(row[column], 0)) return `${name}.${index}.${column}`;
      }
    }
  }
  return undefined;
}

/** A scalar (a finite number, string, boolean or null) or a list of them, nested at most 4 deep. */
function isOutputValue(cell: unknown, depth: number): boolean {
  if (cell === null || typeof cell === "string" || typeof cell === "boolean") return true;
  if (typeof cell === "number") return Number.isFinite(cell);
  return Array.isArray(cell) && depth < 4 && cell.every((item) => isOutputValue(item, depth + 1));
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
