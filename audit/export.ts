import { canonicalJson } from "./canonical-json.ts";
import type { AuditEntry } from "./entry.ts";

/**
 * Entries as JSON lines, one canonical entry per line: byte for byte what the log stores, so an
 * unfiltered export verifies with `verifyAuditLog` exactly like the log itself.
 *
 * @example
 * for await (const chunk of auditJsonLines(ledger.query())) await stream.write(chunk);
 */
export async function* auditJsonLines(entries: AsyncIterable<AuditEntry>): AsyncGenerator<string> {
  for await (const entry of entries) yield `${canonicalJson(entry)}\n`;
}

/** The CSV columns, in order. `datasets` is `;`-separated; `data` is the canonical JSON of the details. */
export const AUDIT_CSV_COLUMNS = [
  "position",
  "time",
  "type",
  "actor",
  "job",
  "operator",
  "license",
  "datasets",
  "data",
  "prev",
  "hash",
] as const;

/**
 * Entries as CSV (RFC 4180, CRLF line ends) with a header row, for spreadsheets. Values come from
 * operators (ids, query text in `data`), so every cell is made injection-safe (`csvCell`).
 *
 * @example
 * for await (const chunk of auditCsv(ledger.query({ type: "output.*" }))) await stream.write(chunk);
 */
export async function* auditCsv(entries: AsyncIterable<AuditEntry>): AsyncGenerator<string> {
  yield `${AUDIT_CSV_COLUMNS.join(",")}\r\n`;
  for await (const entry of entries) {
    const { subjects } = entry;
    const cells = [
      String(entry.position),
      entry.time,
      entry.type,
      entry.actor,
      subjects.job ?? "",
      subjects.operator ?? "",
      subjects.license ?? "",
      (subjects.datasets ?? []).join(";"),
      canonicalJson(entry.data),
      entry.prev,
      entry.hash,
    ];
    yield `${cells.map(csvCell).join(",")}\r\n`;
  }
}

/**
 * One CSV cell. A cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, or a
 * tab or carriage return, per OWASP's CSV-injection advice) gets a leading `'`, so it shows as text
 * and never runs; a cell with a comma, quote or line break is quoted, with quotes doubled.
 *
 * @example
 * csvCell("=HYPERLINK(\"x\")"); // "\"'=HYPERLINK(\"\"x\"\")\""
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
