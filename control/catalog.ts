import { DomainError } from "../policies/errors.ts";
import { DatasetManifest } from "../policies/manifest.ts";
import { compareText } from "../storage/sql-dialect.ts";
import { isUniqueViolation, type SqlExecutor } from "../storage/sql-store.ts";

/** A catalog entry: the manifest in force for a dataset and its policy version. */
export interface CatalogEntry {
  readonly manifest: DatasetManifest;
  readonly version: number;
  readonly effectiveFrom: string;
}

/**
 * Records a new policy version of a dataset (version 1 on first registration), in force from
 * `effectiveFrom` (RFC 3339 UTC; now by default). Old versions stay: a job runs under the versions
 * in force when it started, and auditors can diff them.
 */
export async function publishManifest(
  store: Pick<SqlExecutor, "query" | "run">,
  manifest: DatasetManifest,
  author: string,
  note?: string,
  effectiveFrom: string = new Date().toISOString(),
): Promise<number> {
  const valid = DatasetManifest.parse(manifest);
  const rows = await store.query<{ latest: number | null }>(
    "SELECT max(version) AS latest FROM dataset_versions WHERE dataset = $1",
    [valid.name],
  );
  const version = (rows[0]?.latest ?? 0) + 1;
  try {
    await store.run(
      `INSERT INTO dataset_versions (dataset, version, manifest, effective_from, author, note)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [valid.name, version, JSON.stringify(valid), effectiveFrom, author, note ?? null],
    );
  } catch (error) {
    // Another node published this version number first; the caller decides anew from what is current.
    if (isUniqueViolation(error)) {
      throw new DomainError("CONFLICT", `version ${version} of ${valid.name} was published meanwhile`);
    }
    throw error;
  }
  return version;
}

/**
 * Manifests parsed by their stored text. Validating a manifest is most of the cost of a catalog
 * read, and the job service reads the catalog for every job; the text names the result exactly,
 * so an entry can never go stale, whoever writes the table. Bounded: the oldest goes first.
 */
const parsedManifests = new Map<string, DatasetManifest>();
const MAX_PARSED_MANIFESTS = 256;

function parseManifest(text: string): DatasetManifest {
  const cached = parsedManifests.get(text);
  if (cached) return cached;
  const parsed = DatasetManifest.parse(JSON.parse(text));
  if (parsedManifests.size >= MAX_PARSED_MANIFESTS) {
    parsedManifests.delete(parsedManifests.keys().next().value as string);
  }
  parsedManifests.set(text, parsed);
  return parsed;
}

/**
 * The policy in force of every dataset at `now`, by name: its highest version already effective.
 * A version approved for a later time (see control/proposals.ts) is not served before then, and a
 * dataset whose first version is not yet effective is not in the catalog. Manifests are shared
 * between callers (see `parsedManifests`): treat them as read-only.
 */
export async function currentCatalog(
  store: Pick<SqlExecutor, "query">,
  now: Date = new Date(),
): Promise<CatalogEntry[]> {
  const rows = await store.query<{
    dataset: string;
    manifest: string;
    version: number;
    effective_from: string;
  }>(
    `SELECT d.dataset, d.manifest, d.version, d.effective_from
     FROM dataset_versions d
     JOIN (SELECT dataset, max(version) AS version FROM dataset_versions
           WHERE effective_from <= $1 GROUP BY dataset) latest
       ON latest.dataset = d.dataset AND latest.version = d.version`,
    // RFC 3339 UTC text in one format compares as the instants it names.
    [now.toISOString()],
  );
  // Ordered here, not by the database: PostgreSQL's text collation may order names differently.
  rows.sort((a, b) => compareText(a.dataset, b.dataset));
  return rows.map((row) => ({
    manifest: parseManifest(row.manifest),
    version: row.version,
    effectiveFrom: row.effective_from,
  }));
}
