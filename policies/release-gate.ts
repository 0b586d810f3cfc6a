import { findIdentifiers } from "./identifiers.ts";
import type { ReleaseMode } from "./license.ts";
import type { QueryKind } from "./query-plan.ts";

export { findIdentifiers } from "./identifiers.ts";

/**
 * The release gate: decides whether a job's outputs (and its logs and error messages, which are
 * outputs too) leave the domain. Pure: identifier matching against the domain is an injected lookup.
 *
 * Soundness: if every query the job ran returned only releasable results (enforced inside the
 * query), anything computed from them is releasable, so such a job releases automatically after
 * the structural checks below. A job that read row-level data is tainted and always held.
 */

/** What the job's queries were, from their verdicts. */
export interface QueryRecord {
  readonly kind: QueryKind;
  readonly tainted: boolean;
  readonly requiresReview: boolean;
}

/** Everything the job would release. */
export interface ReleaseCandidate {
  /** Output name → value: an array of flat row objects, one flat row object, or a scalar. */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly logs?: readonly unknown[];
  readonly errors?: readonly string[];
}

/** Limits and disclosure-control settings of the gate. */
export interface ReleaseGateOptions {
  readonly releaseMode: ReleaseMode;
  readonly maxOutputs?: number;
  readonly maxRowsPerOutput?: number;
  readonly maxCells?: number;
  readonly maxStringLength?: number;
  /** Counts from 1 to minCellCount-1 in count-like columns are small cells (held for review). */
  readonly minCellCount?: number;
  /** Round count-like cells to this base (e.g. 5) before release. */
  readonly roundTo?: number;
}

/**
 * Exact-match lookup of candidate strings against identifier values held in the domain (names,
 * ID numbers, credit codes, phone numbers). Returns the candidates found.
 */
export type IdentifierLookup = (candidates: readonly string[]) => Promise<ReadonlySet<string>>;

/** Machine-readable reason codes. */
export type ReleaseReasonCode =
  | "tainted"
  | "grade_requires_review"
  | "license_requires_review"
  | "too_many_outputs"
  | "too_many_rows"
  | "too_many_cells"
  | "string_too_long"
  | "non_scalar_cell"
  | "not_tabular"
  | "identifier_in_domain"
  | "identifier_pattern"
  | "small_cell";

/** One reason, located by output name, row and column where that applies (never the value). */
export interface ReleaseReason {
  readonly code: ReleaseReasonCode;
  readonly output?: string;
  readonly row?: number;
  readonly column?: string;
  readonly detail: string;
}

/** The gate's decision, with the (possibly rounded) outputs that may leave when released. */
export interface ReleaseDecision {
  readonly outcome: "released" | "held" | "rejected";
  readonly reasons: readonly ReleaseReason[];
  readonly outputs: Readonly<Record<string, unknown>>;
}

const REJECTING: ReadonlySet<ReleaseReasonCode> = new Set([
  "too_many_outputs",
  "too_many_rows",
  "too_many_cells",
  "string_too_long",
  "non_scalar_cell",
  "not_tabular",
  "identifier_in_domain",
]);

/** Column names read as counts for the small-cell rule and rounding. */
const COUNT_COLUMN = /^(n|cnt|count|num|total_n)$|^(n|num|count)_|_(n|cnt|count|num)$|count/i;

type Scalar = string | number | boolean | null;

function isScalar(value: unknown): value is Scalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/** A list cell (policies/typed-values.ts): scalars, or lists of them, at most 4 deep. */
type ListCell = (Scalar | ListCell)[];

function isCell(value: unknown, depth = 0): value is Scalar | ListCell {
  return isScalar(value) || (Array.isArray(value) && depth < 4 && value.every((v) => isCell(v, depth + 1)));
}

function isFlatRow(value: unknown): value is Record<string, Scalar | ListCell> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => isCell(v))
  );
}

/** The scalars of a cell: itself, or every item of a list, so each is checked like a cell. */
function scalarsOf(cell: Scalar | ListCell): Scalar[] {
  return Array.isArray(cell) ? cell.flatMap(scalarsOf) : [cell];
}

function cellText(value: Scalar): string | null {
  if (typeof value === "string") return value;
  // Long integers can carry ID or card numbers too.
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) >= 1e10) return String(value);
  return null;
}

/**
 * Decides the release of a job's outputs.
 *
 * @example
 * const decision = await decideRelease({ outputs }, queries, { releaseMode: "auto" }, lookup);
 * if (decision.outcome === "released") publish(decision.outputs);
 */
export async function decideRelease(
  candidate: ReleaseCandidate,
  queries: readonly QueryRecord[],
  options: ReleaseGateOptions,
  lookup: IdentifierLookup,
): Promise<ReleaseDecision> {
  const maxOutputs = options.maxOutputs ?? 32;
  const maxRows = options.maxRowsPerOutput ?? 100_000;
  const maxCells = options.maxCells ?? 1_000_000;
  const maxString = options.maxStringLength ?? 4096;
  const minCell = options.minCellCount ?? 10;
  const reasons: ReleaseReason[] = [];

  if (queries.some((q) => q.tainted)) {
    reasons.push({ code: "tainted", detail: "the job read row-level data: every output is reviewed" });
  }
  if (queries.some((q) => q.requiresReview)) {
    reasons.push({ code: "grade_requires_review", detail: "the job read a grade 4 dataset" });
  }
  if (options.releaseMode === "review") {
    reasons.push({ code: "license_requires_review", detail: "the license releases through review only" });
  }

  const names = Object.keys(candidate.outputs);
  if (names.length > maxOutputs)
    reasons.push({ code: "too_many_outputs", detail: `more than ${maxOutputs} outputs` });

  const texts: { text: string; output?: string; row?: number; column?: string }[] = [];
  const released: Record<string, unknown> = {};
  let cells = 0;
  for (const name of names) {
    const value = candidate.outputs[name];
    const rows: unknown[] = Array.isArray(value) ? value : [value];
    if (rows.length > maxRows) {
      reasons.push({ code: "too_many_rows", output: name, detail: `more than ${maxRows} rows` });
      continue;
    }
    const outRows: unknown[] = [];
    for (const [r, row] of rows.entries()) {
      if (isScalar(row) && !Array.isArray(value)) {
        cells++;
        const t = cellText(row);
        if (t !== null) texts.push({ text: t, output: name });
        outRows.push(row);
        continue;
      }
      if (!isFlatRow(row)) {
        reasons.push({
          code: isScalar(row) ? "not_tabular" : "non_scalar_cell",
          output: name,
          row: r,
          detail: "outputs are arrays of flat rows of scalars, one flat row, or one scalar",
        });
        break;
      }
      const out: Record<string, Scalar | ListCell> = {};
      for (const [column, cell] of Object.entries(row)) {
        cells++;
        if (Array.isArray(cell)) {
          // A list is released as it is; each item is screened like a cell for identifiers and small counts.
          for (const item of scalarsOf(cell)) {
            const t = cellText(item);
            if (t !== null) texts.push({ text: t, output: name, row: r, column });
            if (
              typeof item === "number" &&
              Number.isInteger(item) &&
              COUNT_COLUMN.test(column) &&
              item > 0 &&
              item < minCell
            )
              reasons.push({
                code: "small_cell",
                output: name,
                row: r,
                column,
                detail: `a count below ${minCell}`,
              });
          }
          out[column] = cell;
          continue;
        }
        const t = cellText(cell);
        if (t !== null) {
          if (t.length > maxString) {
            reasons.push({
              code: "string_too_long",
              output: name,
              row: r,
              column,
              detail: `longer than ${maxString}`,
            });
          }
          texts.push({ text: t, output: name, row: r, column });
        }
        let v = cell;
        if (typeof cell === "number" && Number.isInteger(cell) && COUNT_COLUMN.test(column)) {
          if (cell > 0 && cell < minCell) {
            reasons.push({
              code: "small_cell",
              output: name,
              row: r,
              column,
              detail: `a count below ${minCell}`,
            });
          }
          if (options.roundTo) v = Math.round(cell / options.roundTo) * options.roundTo;
        }
        out[column] = v;
      }
      outRows.push(out);
    }
    released[name] = Array.isArray(value) ? outRows : outRows[0];
  }
  if (cells > maxCells) reasons.push({ code: "too_many_cells", detail: `more than ${maxCells} cells` });

  for (const [i, log] of (candidate.logs ?? []).entries()) {
    texts.push({ text: typeof log === "string" ? log : (JSON.stringify(log) ?? ""), output: `log:${i}` });
  }
  for (const [i, error] of (candidate.errors ?? []).entries())
    texts.push({ text: error, output: `error:${i}` });

  // Identifier scan: check-digit-valid patterns are suspicious; exact domain matches are disclosures.
  // Outputs repeat their values (a group key on every row of its group): each text is scanned once.
  const scanned = new Map<string, ReturnType<typeof findIdentifiers>>();
  const identifiersIn = (text: string) => {
    let found = scanned.get(text);
    if (found === undefined) {
      found = findIdentifiers(text);
      scanned.set(text, found);
    }
    return found;
  };
  const suspects = texts.flatMap((t) => identifiersIn(t.text).map((f) => ({ ...t, ...f })));
  const candidates = [
    ...new Set([...texts.map((t) => t.text.trim()), ...suspects.map((s) => s.value)]),
  ].filter((s) => s.length >= 2);
  const inDomain = candidates.length > 0 ? await lookup(candidates) : new Set<string>();
  for (const t of texts) {
    if (inDomain.has(t.text.trim())) {
      reasons.push({
        code: "identifier_in_domain",
        output: t.output,
        row: t.row,
        column: t.column,
        detail: "a value held in the domain as an identifier",
      } as ReleaseReason);
    }
  }
  for (const s of suspects) {
    reasons.push({
      code: inDomain.has(s.value) ? "identifier_in_domain" : "identifier_pattern",
      output: s.output,
      row: s.row,
      column: s.column,
      detail: `looks like a ${s.kind} with a valid check digit`,
    } as ReleaseReason);
  }

  const outcome = reasons.some((r) => REJECTING.has(r.code))
    ? "rejected"
    : reasons.length > 0
      ? "held"
      : "released";
  return { outcome, reasons: dedupe(reasons), outputs: released };
}

function dedupe(reasons: ReleaseReason[]): ReleaseReason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = JSON.stringify([r.code, r.output, r.row, r.column]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
