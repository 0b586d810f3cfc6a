import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { Timestamp } from "../policies/timestamp.ts";
import type { DataVersionFile, DataVersionSource, DataVersionStamp } from "../storage/data-domain.ts";
import { fileDigest } from "../storage/file-digest.ts";
import { compareText, sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { type Actor, requireActor } from "./authority.ts";
import { currentCatalog } from "./catalog.ts";
import { notify } from "./inbox.ts";
import { keysetPage, type PageRequest } from "./paging.ts";
import { recordVersionIn } from "./registries.ts";

/**
 * Data versions of the datasets (the rows of data a dataset's table holds, as opposed to its
 * policy versions): which exist, which is current, and switching back to an earlier one. Supply
 * of a new version is in data-supply.ts.
 */

type Read = Pick<SqlExecutor, "query">;

export const DataFormat = z.enum(["parquet", "csv", "duckdb"]);
export type DataFormat = z.infer<typeof DataFormat>;

/** One data version of a dataset as listings show it. */
export const DataVersionInfo = z.object({
  dataset: z.string(),
  version: z.number().int(),
  /** What was supplied: Parquet, CSV, or a table of an older release's domain file (upgrade). */
  format: DataFormat,
  /** SHA-256 of the bytes as supplied. */
  sha256: z.string(),
  /** SHA-256 of the version's DuckDB file, which every node checks before it serves the version. */
  fileSha256: z.string(),
  rows: z.number().int(),
  /** Size of what was supplied. */
  bytes: z.number().int(),
  /** The supplying principal's id, or `seed` (demo data) or `upgrade` (an older release's domain). */
  suppliedBy: z.string(),
  suppliedAt: Timestamp,
  note: z.string().nullable(),
  /** New jobs read this version. */
  current: z.boolean(),
});
export type DataVersionInfo = z.infer<typeof DataVersionInfo>;

interface VersionRow {
  dataset: string;
  version: number;
  format: string;
  sha256: string;
  file: string;
  file_sha256: string;
  rows: number;
  bytes: number;
  supplied_by: string;
  supplied_at: string;
  note: string | null;
  current_version: number | null;
}

const SELECT_VERSIONS = `SELECT v.dataset, v.version, v.format, v.sha256, v.file, v.file_sha256, v.rows, v.bytes,
  v.supplied_by, v.supplied_at, v.note, c.version AS current_version
  FROM data_versions v LEFT JOIN data_current c ON c.dataset = v.dataset`;

function toInfo(row: VersionRow): DataVersionInfo {
  return {
    dataset: row.dataset,
    version: Number(row.version),
    format: DataFormat.parse(row.format),
    sha256: row.sha256,
    fileSha256: row.file_sha256,
    rows: Number(row.rows),
    bytes: Number(row.bytes),
    suppliedBy: row.supplied_by,
    suppliedAt: row.supplied_at,
    note: row.note,
    current: row.current_version !== null && Number(row.current_version) === Number(row.version),
  };
}

/** One version's row, or undefined. */
export async function findDataVersion(
  store: Read,
  dataset: string,
  version: number,
): Promise<(DataVersionInfo & { file: string }) | undefined> {
  const rows = await store.query<VersionRow>(`${SELECT_VERSIONS} WHERE v.dataset = $1 AND v.version = $2`, [
    dataset,
    version,
  ]);
  const row = rows[0];
  return row ? { ...toInfo(row), file: row.file } : undefined;
}

/** The current data version of every dataset that has one: what a new job reads. */
export async function currentDataVersionFiles(store: Read): Promise<DataVersionFile[]> {
  const rows = await store.query<{ dataset: string; version: number; file: string; file_sha256: string }>(
    `SELECT v.dataset, v.version, v.file, v.file_sha256
     FROM data_current c JOIN data_versions v ON v.dataset = c.dataset AND v.version = c.version`,
  );
  rows.sort((a, b) => compareText(a.dataset, b.dataset));
  return rows.map((row) => ({
    dataset: row.dataset,
    version: Number(row.version),
    file: row.file,
    sha256: row.file_sha256,
  }));
}

/** The current data version of each dataset, by name. */
export async function currentDataVersions(store: Read): Promise<Record<string, number>> {
  const rows = await store.query<{ dataset: string; version: number }>(
    "SELECT dataset, version FROM data_current",
  );
  rows.sort((a, b) => compareText(a.dataset, b.dataset));
  return Object.fromEntries(rows.map((row) => [row.dataset, Number(row.version)]));
}

/** Where a versioned data domain learns the versions to serve: the control plane's tables. */
export function storeDataVersionSource(store: Read): DataVersionSource {
  return {
    current: () => currentDataVersionFiles(store),
    async resolve(versions: DataVersionStamp) {
      const files: DataVersionFile[] = [];
      for (const [dataset, version] of Object.entries(versions)) {
        const found = await findDataVersion(store, dataset, version);
        if (!found) throw new DomainError("NOT_FOUND", `dataset ${dataset} has no data version ${version}`);
        files.push({ dataset, version, file: found.file, sha256: found.fileSha256 });
      }
      return files;
    },
  };
}

/**
 * The dataset as `actor` may see it: its catalog entry, or undefined for data supplied by the
 * bureau before the dataset's policy was registered (which the bureau and auditors see). NOT_FOUND
 * when there is neither, and — for a holder — when another department holds it, with the same
 * words, so a holder cannot tell another department's dataset from one that does not exist.
 * `creating`: the bureau may name a dataset that has neither yet (its first data version).
 */
export async function datasetVisibleTo(store: Read, actor: Actor, dataset: string, creating = false) {
  const entry = (await currentCatalog(store)).find((e) => e.manifest.name === dataset);
  const absent = () => new DomainError("NOT_FOUND", `no dataset named ${dataset}`);
  if (actor.role === "holder") {
    if (!entry || entry.manifest.holder.department !== actor.organization) throw absent();
    return entry;
  }
  if (entry || (creating && actor.role === "bureau")) return entry;
  const supplied = await store.query<{ n: number }>(
    "SELECT count(*) AS n FROM data_versions WHERE dataset = $1",
    [dataset],
  );
  if (Number(supplied[0]?.n ?? 0) === 0) throw absent();
  return undefined;
}

/**
 * Every data version of a dataset, oldest first, with which one is current. The bureau, auditors
 * and the dataset's holders may list them.
 */
export async function listDataVersions(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  dataset: string,
  page: PageRequest = {},
): Promise<{ dataset: string; current: number | null; versions: DataVersionInfo[]; next: string | null }> {
  requireActor(actor, ["bureau", "auditor", "holder"], "list a dataset's data versions");
  await datasetVisibleTo(store, actor, dataset);
  const rows = await keysetPage<VersionRow & Record<string, unknown>>(store, {
    list: `data-versions:${dataset}`,
    select: SELECT_VERSIONS,
    where: ["v.dataset = $1"],
    params: [dataset],
    order: { key: "v.version", id: "v.version", direction: "asc", numericKey: true, numericId: true },
    keyOf: (row) => [Number(row.version), Number(row.version)],
    page,
  });
  const current = await store.query<{ version: number | string }>(
    "SELECT version FROM data_current WHERE dataset = $1",
    [dataset],
  );
  return {
    dataset,
    current: current[0] ? Number(current[0].version) : null,
    versions: rows.items.map(toInfo),
    next: rows.next,
  };
}

export interface DataSwitchDeps {
  readonly store: Pick<SqlStore, "transaction">;
  readonly audit: AuditSink;
  /** The datasets folder: the version's file is checked there before anything switches. */
  readonly datasetsDir: string;
}

/**
 * Makes an earlier (or later) data version of a dataset current again: new jobs read it, running
 * jobs keep theirs. Nothing is deleted; the switch is audited and the bureau and the dataset's
 * holders are told. The version's file is checked against its recorded SHA-256 first, so a switch
 * never points the nodes at a damaged file.
 */
export async function restoreDataVersion(
  deps: DataSwitchDeps & { readonly store: Pick<SqlStore, "transaction" | "query"> },
  actor: Actor,
  input: { dataset: string; version: number; note?: string },
): Promise<DataVersionInfo> {
  requireActor(actor, ["bureau", "holder"], "switch a dataset's data version");
  await datasetVisibleTo(deps.store, actor, input.dataset);
  const target = await findDataVersion(deps.store, input.dataset, input.version);
  if (!target)
    throw new DomainError(
      "NOT_FOUND",
      `dataset ${input.dataset} has no data version ${input.version}: list them with GET /v1/datasets/${input.dataset}/versions`,
    );
  const path = resolve(deps.datasetsDir, target.file);
  const intact = existsSync(path) && (await fileDigest(path)).sha256 === target.fileSha256;
  if (!intact) {
    throw new DomainError(
      "CONFLICT",
      `the file of data version ${input.version} of ${input.dataset} is missing or damaged on this node (${target.file}): restore the datasets folder from a backup first`,
    );
  }
  return auditedChange(deps.store, deps.audit, async (tx) => {
    await sqlDialect.turn(tx, "domainVersion");
    const before = (await currentDataVersions(tx))[input.dataset];
    if (before === input.version) {
      throw new DomainError(
        "CONFLICT",
        `data version ${input.version} of ${input.dataset} is already current; nothing to switch`,
      );
    }
    await switchCurrent(tx, input.dataset, input.version, actor.id);
    await notify(
      tx,
      { roles: ["bureau"], holdersOf: [input.dataset], except: actor.id },
      {
        kind: "dataset.version_supplied",
        subject: { dataset: input.dataset },
        message: `data version ${input.version} of ${input.dataset} is current again (was version ${before ?? "none"}), switched by ${actor.id}`,
      },
    );
    const after = await findDataVersion(tx, input.dataset, input.version);
    const { file: _file, ...info } = after!;
    return {
      result: info,
      event: {
        type: "dataset.version_switched",
        actor: actor.id,
        subject: { datasets: [input.dataset] },
        data: {
          dataset: input.dataset,
          from: before ?? null,
          to: input.version,
          fileSha256: target.fileSha256,
          ...(input.note === undefined ? {} : { note: input.note }),
        },
      },
    };
  });
}

/**
 * Points new jobs at `version` of `dataset` (inside the caller's audited transaction), and adds
 * the version's hash to the dataset's data-asset registration if it lists it not yet.
 */
export async function switchCurrent(
  tx: Pick<SqlExecutor, "query" | "run">,
  dataset: string,
  version: number,
  actorId: string,
): Promise<void> {
  await tx.run(
    `INSERT INTO data_current (dataset, version, switched_at, switched_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (dataset) DO UPDATE SET version = excluded.version, switched_at = excluded.switched_at, switched_by = excluded.switched_by`,
    [dataset, version, new Date().toISOString(), actorId],
  );
  await recordVersionIn(tx, dataset, version, actorId);
}
