import { DatasetManifest } from "../policies/manifest.ts";
import type { ControlPlane } from "../storage/control-plane.ts";

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

/** The latest version of every dataset, by name. */
export async function currentCatalog(store: Pick<ControlPlane, "query">): Promise<CatalogEntry[]> {
  const rows = await store.query<{ manifest: string; version: number; effective_from: string }>(
    `SELECT manifest, version, effective_from::VARCHAR AS effective_from FROM dataset_versions
     QUALIFY row_number() OVER (PARTITION BY dataset ORDER BY version DESC) = 1
     ORDER BY dataset`,
  );
  return rows.map((row) => ({
    manifest: DatasetManifest.parse(JSON.parse(row.manifest)),
    version: row.version,
    effectiveFrom: row.effective_from,
  }));
}
