import type { SqlExecutor } from "../storage/sql-store.ts";
import { currentCatalog } from "./catalog.ts";

type Read = Pick<SqlExecutor, "query">;

/**
 * Holder departments (数据提供单位) are named by the `holder.department` of each dataset's
 * manifest; a holder principal belongs to the department its `organization` names, exactly. So a
 * dataset moves to another department by a policy change (audited, and a loosening needs two
 * officers), never by editing an account.
 */

/** The datasets whose current policy names `department` as holder, by name. */
export async function datasetsHeldBy(store: Read, department: string): Promise<string[]> {
  return (await currentCatalog(store))
    .filter((entry) => entry.manifest.holder.department === department)
    .map((entry) => entry.manifest.name);
}

/** Whether `department` holds `dataset` under its current policy. */
export async function holdsDataset(store: Read, department: string, dataset: string): Promise<boolean> {
  return (await datasetsHeldBy(store, department)).includes(dataset);
}

/** The departments named as holders anywhere in the catalog, sorted. */
export async function holderDepartments(store: Read): Promise<string[]> {
  const departments = new Set((await currentCatalog(store)).map((entry) => entry.manifest.holder.department));
  return [...departments].sort();
}

/** The active holder principals of the department holding each of `datasets`. */
export async function holderPrincipalsOf(store: Read, datasets: readonly string[]): Promise<string[]> {
  const wanted = new Set(datasets);
  const departments = new Set(
    (await currentCatalog(store))
      .filter((entry) => wanted.has(entry.manifest.name))
      .map((entry) => entry.manifest.holder.department),
  );
  if (departments.size === 0) return [];
  const rows = await store.query<{ id: string; organization: string }>(
    "SELECT id, organization FROM principals WHERE role = 'holder' AND status = 'active'",
  );
  return rows.filter((row) => departments.has(row.organization)).map((row) => row.id);
}
