import type { DuckDBConnection } from "@duckdb/node-api";
import type { DatasetManifest, IdentifierKind } from "../../policies/manifest.ts";
import type { IdentifierLookup } from "../../policies/release-gate.ts";

/** Identifier kinds whose exact values must never appear in an output. */
const LOOKED_UP: ReadonlySet<IdentifierKind> = new Set([
  "resident_id",
  "uscc",
  "person_name",
  "organization_name",
  "phone",
  "bank_card",
]);

/** Strings shorter than this are not looked up: one character matches too much to mean anything. */
const MIN_LENGTH = 2;

/** Texts longer than this are looked up every time, never remembered. */
const MEMO_MAX_LENGTH = 256;

/**
 * What lookups found, remembered per set of data versions and identifier columns: a data
 * version never changes, so a text found (or not) in it once is found (or not) again, and jobs
 * release the same texts again and again (districts, dates, categories). Bounded: the oldest
 * texts are forgotten first, and a scope (data versions and columns) no longer asked about goes.
 */
export class IdentifierMemo {
  private scope = "";
  private readonly known = new Map<string, boolean>();

  constructor(private readonly capacity = 50_000) {}

  /** The texts' known answers in `scope`: found (true), absent (false), or not known (missing). */
  recall(scope: string, texts: readonly string[]): Map<string, boolean> {
    if (scope !== this.scope) {
      this.scope = scope;
      this.known.clear();
    }
    const answers = new Map<string, boolean>();
    for (const text of texts) {
      const found = this.known.get(text);
      if (found !== undefined) answers.set(text, found);
    }
    return answers;
  }

  /** Remembers what a lookup in `scope` answered for `texts`. */
  remember(scope: string, texts: readonly string[], found: ReadonlySet<string>): void {
    if (scope !== this.scope) return;
    for (const text of texts) {
      if (text.length > MEMO_MAX_LENGTH) continue;
      this.known.delete(text);
      this.known.set(text, found.has(text));
    }
    for (const oldest of this.known.keys()) {
      if (this.known.size <= this.capacity) break;
      this.known.delete(oldest);
    }
  }
}

/**
 * The release gate's exact-match lookup against identifier values held in the domain: every
 * string cell of an output is checked against every identifier column of every manifest.
 * With `memo` and the data versions the job reads (`versions`), texts answered before for the
 * same versions and columns are not looked up again.
 */
export function createIdentifierLookup(
  connection: Pick<DuckDBConnection, "runAndReadAll">,
  manifests: readonly DatasetManifest[],
  remembered?: { readonly memo: IdentifierMemo; readonly versions: Readonly<Record<string, number>> },
): IdentifierLookup {
  const targets = manifests.flatMap((manifest) =>
    manifest.columns
      .filter((column) => column.identifier && LOOKED_UP.has(column.identifier))
      .map((column) => ({ table: manifest.name, column: column.name })),
  );
  // Values a manifest declares for a column (district names, stations, categories) are public in
  // the catalog: releasing one discloses nothing, so they need no scan of the identifier columns.
  const published = new Set(manifests.flatMap((m) => m.columns.flatMap((c) => c.values ?? [])));
  // The tables' data versions and the columns scanned: what an answer holds for.
  const scope = remembered
    ? JSON.stringify(targets.map(({ table, column }) => [table, column, remembered.versions[table] ?? null]))
    : "";
  return async function lookupIdentifiers(candidates) {
    const unique = [...new Set(candidates.filter((c) => c.length >= MIN_LENGTH && !published.has(c)))];
    const found = new Set<string>();
    if (unique.length === 0 || targets.length === 0) return found;
    const known = remembered?.memo.recall(scope, unique) ?? new Map<string, boolean>();
    for (const [text, present] of known) if (present) found.add(text);
    const wanted = unique.filter((text) => !known.has(text));
    if (wanted.length === 0) return found;
    // One statement for every column: one round trip through the binding instead of one each.
    // Names come from validated manifests (lower snake_case); the candidates travel as a parameter.
    const scans = targets.map(
      ({ table, column }) =>
        `SELECT "${column}"::VARCHAR AS v FROM "${table}" WHERE "${column}"::VARCHAR IN (SELECT v FROM wanted)`,
    );
    const reader = await connection.runAndReadAll(
      `WITH wanted AS (SELECT unnest(from_json($1::VARCHAR, '["VARCHAR"]')) AS v)
       SELECT DISTINCT v FROM (${scans.join(" UNION ALL ")})`,
      [JSON.stringify(wanted)],
    );
    const scanned = new Set<string>();
    for (const [value] of reader.getRowsJson()) if (typeof value === "string") scanned.add(value);
    remembered?.memo.remember(scope, wanted, scanned);
    for (const value of scanned) found.add(value);
    return found;
  };
}
