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

/**
 * The release gate's exact-match lookup against identifier values held in the domain: every
 * string cell of an output is checked against every identifier column of every manifest.
 */
export function createIdentifierLookup(
  connection: Pick<DuckDBConnection, "runAndReadAll">,
  manifests: readonly DatasetManifest[],
): IdentifierLookup {
  const targets = manifests.flatMap((manifest) =>
    manifest.columns
      .filter((column) => column.identifier && LOOKED_UP.has(column.identifier))
      .map((column) => ({ table: manifest.name, column: column.name })),
  );
  // Values a manifest declares for a column (district names, stations, categories) are public in
  // the catalog: releasing one discloses nothing, so they need no scan of the identifier columns.
  const published = new Set(manifests.flatMap((m) => m.columns.flatMap((c) => c.values ?? [])));
  return async function lookupIdentifiers(candidates) {
    const wanted = [...new Set(candidates.filter((c) => c.length >= MIN_LENGTH && !published.has(c)))];
    const found = new Set<string>();
    if (wanted.length === 0 || targets.length === 0) return found;
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
    for (const [value] of reader.getRowsJson()) if (typeof value === "string") found.add(value);
    return found;
  };
}
