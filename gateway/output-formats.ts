import { z } from "@hono/zod-openapi";
import { tableToIPC } from "apache-arrow";
import type { Context } from "hono";
import { outputBytes, outputCsv } from "../audit/output-digest.ts";
import { outputArrowTable } from "../audit/output-table.ts";
import type { OutputAccuracy, OutputColumnTypes, OutputTable } from "../control/jobs/model.ts";
import type { FigureBounds } from "../policies/accuracy.ts";

export const ARROW_STREAM = "application/vnd.apache.arrow.stream";

/** How the contract describes an Arrow body: binary, in the IPC streaming format. */
export const ArrowStreamBody = z.string().openapi("ArrowStream", {
  format: "binary",
  description:
    "An Apache Arrow IPC stream (streaming format: a schema message, then record batches), one column per output column with its type; read it with any Arrow library (`pyarrow.ipc.open_stream`, `apache-arrow`'s `tableFromIPC`).",
});

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

/** A 95% half-width as people read it: two significant digits. */
function halfWidth(ci95: number): string {
  return `±${Number(ci95.toPrecision(2))}`;
}

/** A figure's bounds in words (docs/accuracy.md, "Bias"), or undefined where it has none. */
export function boundsText(bounds: FigureBounds | undefined): string | undefined {
  if (!bounds) return undefined;
  const parts = [
    ...(bounds.values ? [`each value counted within [${bounds.values[0]}, ${bounds.values[1]}]`] : []),
    ...(bounds.rowsPerUnit === undefined ? [] : [`at most ${bounds.rowsPerUnit} rows of each unit`]),
    ...(bounds.unitTotal === undefined ? [] : [`at most ${bounds.unitTotal} of each unit in all`]),
    ...(bounds.oneGroupPerUnit ? ["each unit in one group"] : []),
  ];
  return parts.length > 0 ? parts.join(", ") : undefined;
}

/**
 * The accuracy of an output's noisy columns as lines a reader can follow: per column its noise
 * scale and 95% interval, one half-width when every row shares it, else one per row in row order;
 * and the bounds its figures were computed under, which the interval does not cover.
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
    const bounds = new Set(known.map((f) => boundsText(f.bounded) ?? ""));
    const [shared] = bounds;
    const bounded = bounds.size === 1 && shared ? `; bounded (may read low beyond the noise): ${shared}` : "";
    lines.push(`${column}: ${interval}${scale}${bounded}`);
  }
  return lines;
}

/**
 * RFC 4180 CSV (`outputCsv`, the bytes a receipt's `csvSha256` covers). With `accuracy`, lines
 * starting with "# " before the header state it (a header cell that starts with "#" is quoted, so
 * only those lines do); a verifier skips them.
 */
export function toCsv(rows: OutputTable, accuracy?: OutputAccuracy, types?: OutputColumnTypes): string {
  const comments =
    accuracy && Object.keys(accuracy).length > 0
      ? accuracyLines(accuracy).map((line) => `# ${line}\r\n`)
      : [];
  return `${comments.join("")}${outputCsv(rows, types)}`;
}

/**
 * Arrow IPC stream of the output's column types (`outputArrowTable`: Int64, Decimal128, Date32,
 * Timestamp µs, List, …; an output released before outputs were typed gets the types its values
 * show: numbers Float64, strings Utf8, booleans Bool, only nulls Null). With `accuracy`, the schema's metadata holds it
 * whole as JSON (`aos.accuracy`: column → per-row { scale, ci95, bounded } or null), and each noisy
 * column's field metadata its 95% half-width (`aos.ci95`), noise scale (`aos.noise_scale`) and
 * bounds (`aos.bounds`, JSON) when every row shares them.
 */
export function toArrowStream(
  rows: OutputTable,
  accuracy?: OutputAccuracy,
  types?: OutputColumnTypes,
): Uint8Array {
  const table = outputArrowTable(rows, types);
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
      const bounds = new Set(figures.map((f) => JSON.stringify(f!.bounded ?? null)));
      if (bounds.size === 1 && figures[0]!.bounded) field.metadata.set("aos.bounds", [...bounds][0]!);
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
  types?: OutputColumnTypes,
): Response {
  const format = negotiateFormat(c.req.header("accept"));
  c.header("cache-control", "no-store");
  if (format === "csv") {
    c.header("content-disposition", `attachment; filename="${filename}.csv"`);
    return c.body(toCsv(rows, accuracy, types), 200, { "content-type": "text/csv; charset=utf-8" });
  }
  if (format === "arrow") {
    const bytes = toArrowStream(rows, accuracy, types);
    return c.body(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      200,
      { "content-type": ARROW_STREAM },
    );
  }
  const bytes = outputBytes(rows);
  return c.body(new Uint8Array(bytes).buffer as ArrayBuffer, 200, { "content-type": "application/json" });
}
