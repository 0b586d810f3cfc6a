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
import { outputBytes, outputCsv } from "../audit/output-digest.ts";
import type { OutputAccuracy, OutputTable } from "../control/jobs/model.ts";

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

/** A 95% half-width as people read it: two significant digits. */
function halfWidth(ci95: number): string {
  return `±${Number(ci95.toPrecision(2))}`;
}

/**
 * The accuracy of an output's noisy columns as lines a reader can follow: per column its noise
 * scale and 95% interval, one half-width when every row shares it, else one per row in row order.
 */
export function accuracyLines(accuracy: OutputAccuracy): string[] {
  const lines = [
    "noisy figures: the true value lies within the ± half-width of the figure shown, 19 times in 20 (docs/accuracy.md)",
  ];
  for (const [column, figures] of Object.entries(accuracy)) {
    const known = figures.filter((f) => f !== null);
    const scales = new Set(known.map((f) => f.scale));
    const widths = new Set(known.map((f) => f.ci95));
    const scale =
      scales.size === 1 && known[0]!.scale !== null
        ? `, noise scale ${Number(known[0]!.scale.toPrecision(3))}`
        : "";
    const interval =
      widths.size === 1 && known.length === figures.length
        ? `95% interval ${halfWidth(known[0]!.ci95)}`
        : `95% interval by row: ${figures.map((f) => (f === null ? "exact or computed" : halfWidth(f.ci95))).join(", ")}`;
    lines.push(`${column}: ${interval}${scale}`);
  }
  return lines;
}

/**
 * RFC 4180 CSV (`outputCsv`, the bytes a receipt's `csvSha256` covers). With `accuracy`, lines
 * starting with "# " before the header state it (a header cell that starts with "#" is quoted, so
 * only those lines do); a verifier skips them.
 */
export function toCsv(rows: OutputTable, accuracy?: OutputAccuracy): string {
  const comments =
    accuracy && Object.keys(accuracy).length > 0
      ? accuracyLines(accuracy).map((line) => `# ${line}\r\n`)
      : [];
  return `${comments.join("")}${outputCsv(rows)}`;
}

/**
 * Arrow IPC stream with explicit column types: numbers Float64, strings Utf8, booleans Bool, a
 * column of only nulls Null. A column mixing kinds is served as Utf8 of each value's text, so
 * nothing is silently coerced to a wrong type. With `accuracy`, the schema's metadata holds it
 * whole as JSON (`aos.accuracy`: column → per-row { scale, ci95 } or null), and each noisy
 * column's field metadata its 95% half-width (`aos.ci95`) and noise scale (`aos.noise_scale`)
 * when every row shares them.
 */
export function toArrowStream(rows: OutputTable, accuracy?: OutputAccuracy): Uint8Array {
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
  const table = new Table(vectors);
  if (accuracy && Object.keys(accuracy).length > 0) {
    table.schema.metadata.set("aos.accuracy", JSON.stringify(accuracy));
    for (const field of table.schema.fields) {
      const figures = accuracy[field.name];
      if (!figures || figures.some((f) => f === null)) continue;
      const widths = new Set(figures.map((f) => f!.ci95));
      const scales = new Set(figures.map((f) => f!.scale));
      if (widths.size === 1) field.metadata.set("aos.ci95", String(figures[0]!.ci95));
      if (scales.size === 1 && figures[0]!.scale !== null)
        field.metadata.set("aos.noise_scale", String(figures[0]!.scale));
    }
  }
  return tableToIPC(table, "stream");
}

/**
 * A released output as the caller's Accept header asks: CSV (as an attachment), Arrow, or JSON in
 * exactly the canonical bytes a release receipt's hash covers, so a download verifies as it is
 * (the job's JSON view carries the accuracy of its noisy figures; CSV and Arrow carry it inline).
 * Never cached: an output is for its caller only.
 */
export function outputResponse(
  c: Context,
  rows: OutputTable,
  filename: string,
  accuracy?: OutputAccuracy,
): Response {
  const format = negotiateFormat(c.req.header("accept"));
  c.header("cache-control", "no-store");
  if (format === "csv") {
    c.header("content-disposition", `attachment; filename="${filename}.csv"`);
    return c.body(toCsv(rows, accuracy), 200, { "content-type": "text/csv; charset=utf-8" });
  }
  if (format === "arrow") {
    const bytes = toArrowStream(rows, accuracy);
    return c.body(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      200,
      { "content-type": ARROW_STREAM },
    );
  }
  const bytes = outputBytes(rows);
  return c.body(new Uint8Array(bytes).buffer as ArrayBuffer, 200, { "content-type": "application/json" });
}
