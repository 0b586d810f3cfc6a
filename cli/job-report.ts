import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { OutputFormat } from "../client/index.ts";
import { UsageError } from "./exit-codes.ts";
import type { Terminal } from "./terminal.ts";

/** An event of a job, remote (SSE) or local: same shapes, one printer. */
export interface ProgressEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

const list = (value: unknown) => (Array.isArray(value) ? value.join(", ") : "");

/** One line on stderr per event, as it happens: what each query was allowed to do and what the gate decided. */
export function printEvent(term: Terminal, event: ProgressEvent): void {
  const d = event.data;
  const s = term.style;
  switch (event.type) {
    case "queued":
      term.err(s.dim(`queued${typeof d.position === "number" ? ` (position ${d.position})` : ""}`));
      return;
    case "running":
      term.err(s.dim("running"));
      return;
    case "progress": {
      const pct = typeof d.fraction === "number" ? `${Math.round(d.fraction * 100)}%` : "";
      const line = `progress ${pct}${d.message ? ` ${String(d.message)}` : ""}`;
      // A redrawn status line on a terminal; plain lines elsewhere (no spinners in logs).
      if (term.color) term.status(line);
      else term.err(line);
      return;
    }
    case "query": {
      const n = `query #${Number(d.index) + 1}`;
      if (d.ok === false) {
        term.err(`${n} ${s.bad("refused")} ${String(d.code)}: ${String(d.detail)}`);
        return;
      }
      const parts = [`${String(d.kind)} on ${list(d.datasets)}`];
      if (typeof d.rows === "number") parts.push(`${d.rows} rows`);
      if (typeof d.suppressedGroups === "number" && d.suppressedGroups > 0)
        parts.push(`${d.suppressedGroups} small groups suppressed`);
      if (typeof d.epsilonCharged === "number" && d.epsilonCharged > 0)
        parts.push(`ε ${d.epsilonCharged} charged`);
      if (d.cached === true) parts.push("answered from the ledger (no charge)");
      term.err(`${n} ${s.ok("allowed")}: ${parts.join("; ")}`);
      if (Array.isArray(d.rewrites) && d.rewrites.length > 0)
        term.err(s.dim(`  enforced: ${d.rewrites.join("; ")}`));
      return;
    }
    case "gate": {
      const outcome = String(d.outcome);
      const paint = outcome === "released" ? s.ok : outcome === "held" ? s.warn : s.bad;
      // The gate judges the outputs; the job may still fail or be cancelled before they are
      // released, which the "finished" line says. So a pass is not called "released" here.
      term.err(`release gate: ${paint(outcome === "released" ? "outputs pass" : outcome)}`);
      for (const reason of (d.reasons as Record<string, unknown>[] | undefined) ?? []) {
        const where = [
          reason.output,
          reason.row === undefined ? undefined : `row ${reason.row}`,
          reason.column,
        ]
          .filter((x) => x !== undefined)
          .join(" ");
        term.err(`  ${String(reason.code)}${where ? ` (${where})` : ""}: ${String(reason.detail)}`);
      }
      return;
    }
    case "finished":
      term.err(`finished: ${String(d.status)}${d.code ? ` (${String(d.code)})` : ""}`);
      return;
  }
}

const EXTENSION: Readonly<Record<OutputFormat, string>> = { json: "json", csv: "csv", arrow: "arrow" };

/** A file name for an output, safe on every file system (names come from the script). */
export function outputFileName(name: string, format: OutputFormat): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_") || "output";
  return `${safe}.${EXTENSION[format]}`;
}

/**
 * Delivers outputs: into files in `dir` (one per output), or onto stdout. Several outputs on
 * stdout are separated by a `# name` line on stderr; Arrow bytes go to stdout only when it is not a
 * terminal and there is one output.
 */
export async function deliverOutputs(
  term: Terminal,
  names: readonly string[],
  format: OutputFormat,
  fetchOutput: (name: string) => Promise<string | Uint8Array>,
  dir?: string,
): Promise<string[]> {
  if (dir !== undefined) {
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const name of names) {
      const file = join(dir, outputFileName(name, format));
      await writeFile(file, await fetchOutput(name));
      term.err(`wrote ${file}`);
      written.push(file);
    }
    return written;
  }
  if (format === "arrow" && (names.length !== 1 || term.stdoutIsTty)) {
    throw new UsageError("Arrow output needs --output-dir (or one output and stdout redirected to a file)");
  }
  for (const name of names) {
    if (names.length > 1) term.err(`# ${name}`);
    const body = await fetchOutput(name);
    term.out(body);
    if (typeof body === "string" && !body.endsWith("\n")) term.out("\n");
  }
  return [];
}
