import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { DatasetManifest } from "../policies/manifest.ts";
import type { DataDomain } from "../storage/data-domain.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { publishManifest } from "./catalog.ts";

/** One version of a dataset's policy as listings show it (the manifest itself is fetched by version). */
export const PolicyVersionInfo = z.object({
  dataset: z.string(),
  version: z.number().int(),
  effectiveFrom: z.string(),
  author: z.string(),
  note: z.string().nullable(),
});
export type PolicyVersionInfo = z.infer<typeof PolicyVersionInfo>;

export const PolicyVersionDetail = PolicyVersionInfo.extend({ manifest: DatasetManifest });
export type PolicyVersionDetail = z.infer<typeof PolicyVersionDetail>;

/**
 * One difference between two manifests. `path` names the field (`grade`, `holder.department`,
 * `columns.annual_income.rule`); `column` is set when the change is about one column, which is
 * keyed by name so that reordering columns is no change.
 */
export const PolicyChange = z.object({
  kind: z.enum(["added", "removed", "changed"]),
  path: z.string(),
  column: z.string().optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type PolicyChange = z.infer<typeof PolicyChange>;

type Read = Pick<SqlExecutor, "query">;
type Row = { dataset: string; version: number; effective_from: string; author: string; note: string | null };
const COLUMNS = "dataset, version, effective_from, author, note";
const toInfo = (row: Row): PolicyVersionInfo => ({
  dataset: row.dataset,
  version: row.version,
  effectiveFrom: row.effective_from,
  author: row.author,
  note: row.note,
});

/** Every version of a dataset's policy, oldest first; NOT_FOUND for a dataset never registered. */
export async function listPolicyVersions(store: Read, dataset: string): Promise<PolicyVersionInfo[]> {
  const rows = await store.query<Row>(
    `SELECT ${COLUMNS} FROM dataset_versions WHERE dataset = $1 ORDER BY version`,
    [dataset],
  );
  if (rows.length === 0) throw new DomainError("NOT_FOUND", `no dataset named ${dataset}`);
  return rows.map(toInfo);
}

/** One version with its manifest; NOT_FOUND if the dataset or the version does not exist. */
export async function getPolicyVersion(
  store: Read,
  dataset: string,
  version: number,
): Promise<PolicyVersionDetail> {
  const rows = await store.query<Row & { manifest: string }>(
    `SELECT ${COLUMNS}, manifest FROM dataset_versions WHERE dataset = $1 AND version = $2`,
    [dataset, version],
  );
  const row = rows[0];
  if (!row) throw new DomainError("NOT_FOUND", `dataset ${dataset} has no policy version ${version}`);
  return { ...toInfo(row), manifest: DatasetManifest.parse(JSON.parse(row.manifest)) };
}

/** The latest version of a dataset, or null if it was never registered. */
async function latestVersion(store: Read, dataset: string): Promise<PolicyVersionDetail | null> {
  const rows = await store.query<{ version: number }>(
    "SELECT max(version) AS version FROM dataset_versions WHERE dataset = $1",
    [dataset],
  );
  const version = rows[0]?.version;
  return version == null ? null : getPolicyVersion(store, dataset, version);
}

/**
 * The structured differences from manifest `from` to manifest `to`, in a stable order: dataset
 * fields first, then columns in `to`'s order, then removed columns.
 */
export function diffManifests(from: DatasetManifest, to: DatasetManifest): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const { columns: fromColumns, ...fromRest } = from;
  const { columns: toColumns, ...toRest } = to;
  diffValues(fromRest, toRest, [], undefined, changes);
  const before = new Map(fromColumns.map((c) => [c.name, c]));
  const after = new Set(toColumns.map((c) => c.name));
  for (const column of toColumns) {
    const old = before.get(column.name);
    if (!old)
      changes.push({ kind: "added", path: `columns.${column.name}`, column: column.name, after: column });
    else diffValues(old, column, ["columns", column.name], column.name, changes);
  }
  for (const column of fromColumns) {
    if (!after.has(column.name)) {
      changes.push({ kind: "removed", path: `columns.${column.name}`, column: column.name, before: column });
    }
  }
  return changes;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function diffValues(
  a: unknown,
  b: unknown,
  path: readonly string[],
  column: string | undefined,
  out: PolicyChange[],
): void {
  const at = (kind: PolicyChange["kind"], p: readonly string[], extra: Partial<PolicyChange>) =>
    out.push({ kind, path: p.join("."), ...(column === undefined ? {} : { column }), ...extra });
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const [x, y] = [a[key], b[key]];
      if (x === undefined && y !== undefined) at("added", [...path, key], { after: y });
      else if (x !== undefined && y === undefined) at("removed", [...path, key], { before: x });
      else diffValues(x, y, [...path, key], column, out);
    }
    return;
  }
  // Arrays (value domains) and scalars compare as whole values.
  if (JSON.stringify(a) !== JSON.stringify(b)) at("changed", path, { before: a, after: b });
}

/** The columns of a table in the data domain with their DuckDB types, or null if there is no such table. */
async function domainColumns(
  domain: Pick<DataDomain, "connect">,
  table: string,
): Promise<Map<string, string> | null> {
  const connection = await domain.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT column_name, data_type FROM duckdb_columns()
       WHERE schema_name = 'main' AND table_name = $1 ORDER BY column_index`,
      [table],
    );
    const rows = reader.getRows();
    return rows.length === 0 ? null : new Map(rows.map(([name, type]) => [String(name), String(type)]));
  } finally {
    connection.closeSync();
  }
}

/**
 * A manifest must describe its table exactly: the same columns with the same types. Otherwise the
 * query gate would reason about columns the table lacks, or miss columns it has (which would then
 * have no rule at all).
 */
async function assertDescribesTable(
  domain: Pick<DataDomain, "connect">,
  manifest: DatasetManifest,
): Promise<void> {
  const actual = await domainColumns(domain, manifest.name);
  if (!actual) throw new DomainError("BAD_REQUEST", `the data domain has no table ${manifest.name}`);
  const declared = new Map(manifest.columns.map((c) => [c.name, c.type]));
  const problems: string[] = [];
  for (const [name, type] of declared) {
    const real = actual.get(name);
    if (real === undefined) problems.push(`column ${name} is not in the table`);
    else if (real !== type) problems.push(`column ${name} is ${real} in the table, declared ${type}`);
  }
  for (const name of actual.keys())
    if (!declared.has(name)) problems.push(`table column ${name} is not declared`);
  if (problems.length > 0) {
    throw new DomainError(
      "BAD_REQUEST",
      `manifest does not match table ${manifest.name}: ${problems.join("; ")}`,
    );
  }
}

/**
 * Publishes a dataset's policy as a new version: validated by the manifest schema (which holds the
 * grade floor), checked against the table in the data domain, recorded in the audit log with the
 * structured diff. Registering a new dataset is its version 1. Old versions are never changed, so
 * a job keeps the versions it started under; a manifest identical to the current one is refused.
 */
export async function publishPolicy(
  store: Pick<SqlStore, "transaction">,
  domain: Pick<DataDomain, "connect">,
  audit: AuditSink,
  actor: string,
  input: { dataset: string; manifest: DatasetManifest; note?: string },
): Promise<PolicyVersionDetail> {
  const parsed = DatasetManifest.safeParse(input.manifest);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(manifest)");
    throw new DomainError("BAD_REQUEST", `invalid manifest: ${[...new Set(fields)].join(", ")}`);
  }
  const manifest = parsed.data;
  if (manifest.name !== input.dataset) {
    throw new DomainError(
      "BAD_REQUEST",
      `manifest name ${manifest.name} does not match dataset ${input.dataset}`,
    );
  }
  await assertDescribesTable(domain, manifest);
  return auditedChange(store, audit, async (tx) => {
    const current = await latestVersion(tx, manifest.name);
    const changes = current ? diffManifests(current.manifest, manifest) : [];
    if (current && changes.length === 0) {
      throw new DomainError("CONFLICT", `identical to version ${current.version} of ${manifest.name}`);
    }
    const version = await publishManifest(tx, manifest, actor, input.note);
    const published = await getPolicyVersion(tx, manifest.name, version);
    return {
      result: published,
      event: {
        type: current ? "policy.published" : "manifest.published",
        actor,
        subject: { datasets: [manifest.name] },
        data: {
          dataset: manifest.name,
          version,
          ...(input.note === undefined ? {} : { note: input.note }),
          ...(current ? { previousVersion: current.version, before: current.manifest, changes } : {}),
          after: manifest,
        },
      },
    };
  });
}
