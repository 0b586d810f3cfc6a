import {
  Bool,
  type DataType,
  Float64,
  Null,
  Table,
  tableToIPC,
  Utf8,
  type Vector,
  vectorFromArray,
} from "apache-arrow";
import type { Context } from "hono";
import { outputBytes } from "../audit/output-digest.ts";
import type { OutputCell, OutputTable } from "../control/jobs/model.ts";

export const ARROW_STREAM = "application/vnd.apache.arrow.stream";

/** Formats an output can be served in, chosen by the Accept header (JSON when nothing matches). */
export type OutputFormat = "json" | "csv" | "arrow";

export function negotiateFormat(accept: string | undefined): OutputFormat {
  const wanted = (accept ?? "")
    .split(",")
    .map((part) => part.split(";")[0]!.trim().toLowerCase())
    .filter(Boolean);
  for (const type of wanted) {
    if (type === ARROW_STREAM) return "arrow";
    if (type === "text/csv") return "csv";
    if (type === "application/json" || type === "*/*") return "json";
  }
  return "json";
}

/** Column names in first-seen order across all rows (rows of one output may omit a column). */
function columnsOf(rows: OutputTable): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  return [...names];
}

/**
 * RFC 4180 CSV. Strings a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a
 * leading apostrophe: a released output must not execute in the recipient's spreadsheet.
 */
export function toCsv(rows: OutputTable): string {
  const columns = columnsOf(rows);
  const cell = (value: OutputCell | undefined): string => {
    if (value === null || value === undefined) return "";
    if (typeof value !== "string") return String(value);
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const lines = [columns.map((c) => cell(c)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * Arrow IPC stream with explicit column types: numbers Float64, strings Utf8, booleans Bool, a
 * column of only nulls Null. A column mixing kinds is served as Utf8 of each value's text, so
 * nothing is silently coerced to a wrong type.
 */
export function toArrowStream(rows: OutputTable): Uint8Array {
  const vectors: Record<string, Vector<DataType>> = {};
  for (const name of columnsOf(rows)) {
    const values = rows.map((row) => row[name] ?? null);
    const kinds = new Set(values.filter((v) => v !== null).map((v) => typeof v));
    if (kinds.size === 0) vectors[name] = vectorFromArray(values, new Null());
    else if (kinds.size === 1 && kinds.has("number"))
      vectors[name] = vectorFromArray(values as (number | null)[], new Float64());
    else if (kinds.size === 1 && kinds.has("boolean"))
      vectors[name] = vectorFromArray(values as (boolean | null)[], new Bool());
    else
      vectors[name] = vectorFromArray(
        values.map((v) => (v === null ? null : String(v))),
        new Utf8(),
      );
  }
  return tableToIPC(new Table(vectors), "stream");
}

/**
 * A released output as the caller's Accept header asks: CSV (as an attachment), Arrow, or JSON in
 * exactly the canonical bytes a release receipt's hash covers, so a download verifies as it is.
 * Never cached: an output is for its caller only.
 */
export function outputResponse(c: Context, rows: OutputTable, filename: string): Response {
  const format = negotiateFormat(c.req.header("accept"));
  c.header("cache-control", "no-store");
  if (format === "csv") {
    c.header("content-disposition", `attachment; filename="${filename}.csv"`);
    return c.body(toCsv(rows), 200, { "content-type": "text/csv; charset=utf-8" });
  }
  if (format === "arrow") {
    const bytes = toArrowStream(rows);
    return c.body(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      200,
      { "content-type": ARROW_STREAM },
    );
  }
  const bytes = outputBytes(rows);
  return c.body(new Uint8Array(bytes).buffer as ArrayBuffer, 200, { "content-type": "application/json" });
}
