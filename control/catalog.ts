import { DatasetManifest } from "../policies/manifest.ts";
import { type ControlPlane, deepFreeze, memoised } from "../storage/control-plane.ts";

/** A catalog entry: the manifest in force for a dataset and its policy version. */
export interface CatalogEntry {
  readonly manifest: DatasetManifest;
  readonly version: number;
  readonly effectiveFrom: string;
}

type Store = Pick<ControlPlane, "query" | "run">;

/**
 * Records a new policy version of a dataset (version 1 on first registration). Old versions stay:
 * a job runs under the versions in force when it started, and auditors can diff them.
 */
export async function publishManifest(
  store: Store,
  manifest: DatasetManifest,
  author: string,
  note?: string,
) {
  const valid = DatasetManifest.parse(manifest);
  const rows = await store.query<{ next: number }>(
    "SELECT (coalesce(max(version), 0) + 1)::INTEGER AS next FROM dataset_versions WHERE dataset = $1",
    [valid.name],
  );
  const version = rows[0]?.next ?? 1;
  await store.run(
    "INSERT INTO dataset_versions (dataset, version, manifest, effective_from, author, note) VALUES ($1, $2, $3, now(), $4, $5)",
    [valid.name, version, JSON.stringify(valid), author, note ?? null],
  );
  return version;
}

/**
 * Parsed catalogs by the state of the version table: validating the manifests is most of the cost
 * of a read, and the job service reads the catalog for every job. Versions are only ever inserted
 * (each in a transaction stamped with its own start time), so the row count with the latest stamp
 * and the version sum names one state of the table, also across transactions that roll back,
 * which a counter bumped by `publishManifest` would not. A few entries are plenty.
 */
const parsedCatalogs = new Map<string, CatalogEntry[]>();
const MAX_CACHED_CATALOGS = 8;

/** The latest version of every dataset, by name. */
export async function currentCatalog(store: Pick<ControlPlane, "query">): Promise<CatalogEntry[]> {
  // On the control plane itself, the parsed catalog is kept until the version table is written.
  return memoised(store, "catalog", ["dataset_versions"], () => readCatalog(store));
}

async function readCatalog(store: Pick<ControlPlane, "query">): Promise<CatalogEntry[]> {
  const [state] = await store.query<{ digest: string }>(
    `SELECT count(*)::VARCHAR || '/' || coalesce(sum(version), 0)::VARCHAR || '/' || coalesce(max(effective_from)::VARCHAR, '')
       AS digest FROM dataset_versions`,
  );
  const digest = state?.digest ?? "";
  const cached = parsedCatalogs.get(digest);
  if (cached) return cached;
  const rows = await store.query<{ manifest: string; version: number; effective_from: string }>(
    `SELECT manifest, version, effective_from::VARCHAR AS effective_from FROM dataset_versions
     QUALIFY row_number() OVER (PARTITION BY dataset ORDER BY version DESC) = 1
     ORDER BY dataset`,
  );
  const entries = rows.map((row) => ({
    manifest: DatasetManifest.parse(JSON.parse(row.manifest)),
    version: row.version,
    effectiveFrom: row.effective_from,
  }));
  if (parsedCatalogs.size >= MAX_CACHED_CATALOGS) parsedCatalogs.clear();
  parsedCatalogs.set(digest, deepFreeze(entries));
  return entries;
}
