import type { KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { AuditEntry } from "../audit/entry.ts";
import { readLogLines } from "../audit/log-lines.ts";
import { importAuditLines } from "../audit/store-ledger.ts";
import type { DataFileEncryption } from "../storage/at-rest/data-file-key.ts";
import { fileDigest } from "../storage/file-digest.ts";
import type { SqlStore, SqlValue } from "../storage/sql-store.ts";
import { log } from "../telemetry/log.ts";
import type { AuditSink } from "./audit-sink.ts";
import { currentCatalog } from "./catalog.ts";
import type { DataFolder } from "./data-folder.ts";
import { storeDataVersion } from "./data-supply.ts";

/** What the upgrade moved, for the start's log line and for tests. */
export interface UpgradeReport {
  readonly tables: Readonly<Record<string, number>>;
  readonly auditEntries: number;
  /** Jobs the old table left unsettled although the log recorded their end: settled as the log says. */
  readonly reconciledJobs: number;
  /** An unfinished last line of the old log, left out (it was never acknowledged). */
  readonly tornAuditTail?: { readonly offset: number; readonly bytes: number };
  /** Where the old files were moved (kept, never deleted). */
  readonly keptAs: readonly string[];
}

/** Timestamp columns of the old schema, read back as RFC 3339 text (as the old release read them: UTC). */
const ISO = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${column}`;

/** Each old table, the columns the new schema keeps (with their conversions), in dependency order. */
const TABLES: readonly { name: string; columns: readonly string[]; select: string }[] = [
  {
    name: "principals",
    columns: [
      "id",
      "role",
      "name",
      "organization",
      "status",
      "qualification",
      "status_reason",
      "status_changed_at",
      "created_at",
    ],
    select: `id, role, name, organization, status, qualification::VARCHAR AS qualification, status_reason, ${ISO("status_changed_at")}, ${ISO("created_at")}`,
  },
  {
    name: "api_keys",
    columns: ["prefix", "principal_id", "key_hash", "created_at", "revoked_at"],
    select: `prefix, principal_id, key_hash, ${ISO("created_at")}, ${ISO("revoked_at")}`,
  },
  {
    name: "licenses",
    columns: ["id", "operator_id", "status", "document", "status_reason", "created_at", "updated_at"],
    select: `id, operator_id, status, document::VARCHAR AS document, status_reason, ${ISO("created_at")}, ${ISO("updated_at")}`,
  },
  {
    name: "dataset_versions",
    columns: ["dataset", "version", "manifest", "effective_from", "author", "note"],
    select: `dataset, version, manifest::VARCHAR AS manifest, ${ISO("effective_from")}, author, note`,
  },
  {
    name: "jobs",
    columns: [
      "id",
      "operator_id",
      "license_id",
      "purpose",
      "language",
      "script",
      "script_sha256",
      "idempotency_key",
      "status",
      "submitted_at",
      "started_at",
      "finished_at",
      "policy_versions",
      "decision",
      "outputs",
      "error",
      "usage",
      "receipt",
    ],
    select: `id, operator_id, license_id, purpose, language, script, script_sha256, idempotency_key, status,
      ${ISO("submitted_at")}, ${ISO("started_at")}, ${ISO("finished_at")}, policy_versions::VARCHAR AS policy_versions,
      decision::VARCHAR AS decision, outputs::VARCHAR AS outputs, error::VARCHAR AS error, usage::VARCHAR AS usage,
      receipt::VARCHAR AS receipt`,
  },
  {
    name: "reviews",
    columns: ["job_id", "reviewer_id", "decision", "comment", "decided_at"],
    select: `job_id, reviewer_id, decision, comment, ${ISO("decided_at")}`,
  },
  {
    name: "tariffs",
    columns: ["version", "tariff", "effective_from", "author"],
    select: `version, tariff::VARCHAR AS tariff, ${ISO("effective_from")}, author`,
  },
  {
    name: "budget_charges",
    columns: ["license_id", "query_key", "dataset", "period", "micro_epsilon", "charged_at"],
    select: `license_id, query_key, dataset, period, micro_epsilon::DOUBLE AS micro_epsilon, ${ISO("charged_at")}`,
  },
  {
    name: "budget_answers",
    columns: ["license_id", "query_key", "answer"],
    select: "license_id, query_key, answer::VARCHAR AS answer",
  },
];

/**
 * Moves a data folder written by a release before the transactional store (control plane in
 * `control.duckdb`, audit log in `audit.log`) into the store, once, on the first start of this
 * release. In one transaction: every row of the old tables, the spent budget totals they imply,
 * and the audit log's lines verbatim (verified first: positions, hashes and signed checkpoints
 * stay as auditors hold them). Jobs the old table left unsettled although the log recorded their
 * end (the old release wrote the log first and could die before the table) are settled as the
 * log says, so no second end is ever written for them. The old files are then renamed, not
 * deleted. Returns undefined when there is nothing to move.
 */
export async function upgradeLegacyFolder(
  folder: DataFolder,
  store: SqlStore,
  publicKey: KeyObject,
): Promise<UpgradeReport | undefined> {
  if (!existsSync(folder.legacyControlFile)) return undefined;
  const occupied = await store.query<{ n: number }>("SELECT count(*) AS n FROM principals");
  if ((occupied[0]?.n ?? 0) > 0) {
    throw new Error(
      `${folder.legacyControlFile} (an older release's control plane) is still in the data folder, but the control plane at ${store.location} already holds principals: move one of them aside before starting`,
    );
  }
  const rows = await readLegacyTables(folder.legacyControlFile, `${folder.legacyControlFile}.wal`);
  let torn: { offset: number; bytes: number } | undefined;
  // A last line cut short by a crash was never acknowledged (the old release truncated it on
  // open): it is left out, and the report names it.
  async function* completeLines() {
    if (!existsSync(folder.legacyAuditFile)) return;
    for await (const line of readLogLines(folder.legacyAuditFile)) {
      if (line.complete) yield line;
      else torn = { offset: line.offset, bytes: line.bytes };
    }
  }
  const lines = completeLines();
  const report = await store.transaction(async (tx) => {
    // The demo manifests a first start publishes are replaced by the folder's own history.
    await tx.run("DELETE FROM dataset_versions");
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const data = rows.get(table.name) ?? [];
      for (const row of data) {
        const values = table.columns.map((column) => toSql(row[column]));
        const marks = values.map((_, i) => `$${i + 1}`).join(", ");
        await tx.run(`INSERT INTO ${table.name} (${table.columns.join(", ")}) VALUES (${marks})`, values);
      }
      counts[table.name] = data.length;
    }
    await tx.run(
      `INSERT INTO budget_spent (license_id, dataset, period, micro_epsilon)
       SELECT license_id, dataset, period, sum(micro_epsilon) FROM budget_charges GROUP BY license_id, dataset, period`,
    );
    const entries = await importAuditLines(tx, lines, publicKey);
    const reconciledJobs = await reconcileWithLog(tx, entries);
    return { tables: counts, auditEntries: entries.length, reconciledJobs };
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const keptAs: string[] = [];
  for (const file of [
    folder.legacyControlFile,
    `${folder.legacyControlFile}.wal`,
    folder.legacyAuditFile,
    `${folder.legacyAuditFile}.lock`,
  ]) {
    if (!existsSync(file)) continue;
    const kept = `${file}.before-upgrade-${stamp}`;
    await rename(file, kept);
    keptAs.push(kept);
  }
  return { ...report, ...(torn ? { tornAuditTail: torn } : {}), keptAs };
}

/**
 * Unsettled jobs whose end the log holds take the status the log gave them. Jobs marked queued
 * whose start the log holds were running (the old release wrote the start first): they are marked
 * running, and the first start fails them once as interrupted, like any job a stopped node ran.
 */
async function reconcileWithLog(
  tx: Parameters<Parameters<SqlStore["transaction"]>[0]>[0],
  entries: readonly AuditEntry[],
) {
  const ended = new Map<string, AuditEntry>();
  const started = new Set<string>();
  for (const entry of entries) {
    const job = entry.subjects.job;
    if (!job) continue;
    if (entry.type === "job.finished") ended.set(job, entry);
    if (entry.type === "job.started") started.add(job);
  }
  const open = await tx.query<{ id: string; status: string }>(
    "SELECT id, status FROM jobs WHERE status IN ('queued', 'running')",
  );
  let reconciled = 0;
  for (const job of open) {
    const end = ended.get(job.id);
    if (end) {
      const status = String(end.data.status);
      const lost =
        status === "released"
          ? JSON.stringify({
              code: "INTERNAL",
              class: "Interrupted",
              message: "released before the upgrade, but the old release stopped before storing its outputs",
            })
          : null;
      await tx.run(
        "UPDATE jobs SET status = $2, finished_at = $3, error = coalesce(error, $4) WHERE id = $1",
        [job.id, status, end.time, lost],
      );
      reconciled++;
    } else if (job.status === "queued" && started.has(job.id)) {
      await tx.run(
        "UPDATE jobs SET status = 'running', started_at = coalesce(started_at, submitted_at) WHERE id = $1",
        [job.id],
      );
    }
  }
  return reconciled;
}

/** The old tables as rows, read from a copy (DuckDB replays the write-ahead log a crash left). */
async function readLegacyTables(file: string, wal: string): Promise<Map<string, Record<string, unknown>[]>> {
  const dir = await mkdtemp(join(tmpdir(), "aos-upgrade-"));
  try {
    const copy = join(dir, "control.duckdb");
    await copyFile(file, copy);
    if (existsSync(wal)) await copyFile(wal, `${copy}.wal`);
    const instance = await DuckDBInstance.create(copy, { enable_external_access: "false" });
    const connection = await instance.connect();
    try {
      const tables = new Map<string, Record<string, unknown>[]>();
      for (const table of TABLES) {
        const reader = await connection.runAndReadAll(`SELECT ${table.select} FROM ${table.name}`);
        tables.set(table.name, reader.getRowObjectsJson() as Record<string, unknown>[]);
      }
      return tables;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function toSql(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  return JSON.stringify(value);
}

/** What the split of an older release's one-file data domain into data versions did. */
export interface DataSplitReport {
  /** Each dataset's version 1, taken from the table of the same name. */
  readonly datasets: readonly { readonly dataset: string; readonly version: number; readonly rows: number }[];
  /** SHA-256 of the old domain file, which each version records as what was supplied. */
  readonly sha256: string;
  /**
   * Where the old file was moved (kept): remove it once the new start is checked. Null when the
   * folder is encrypted at rest: the old file, the data in the clear, was removed.
   */
  readonly keptAs: string | null;
}

/**
 * Splits the one-file data domain of releases before data versions (`domain.duckdb`) into a
 * version-1 file of each dataset of the catalog, supplied by `upgrade` through the path every
 * supply takes (schema check against the manifest, version file, SHA-256, audit entry). The old
 * file must be the domain the control plane recorded (`domain_versions`), if it recorded one. It
 * is renamed, not deleted, once every dataset has its version. Returns undefined when there is no
 * old file.
 */
export async function splitLegacyDomain(
  folder: DataFolder,
  store: SqlStore,
  audit: AuditSink,
  encryption?: DataFileEncryption,
): Promise<DataSplitReport | undefined> {
  const file = folder.legacyDomainFile;
  if (!existsSync(file)) return undefined;
  const { sha256, bytes } = await fileDigest(file);
  const [recorded] = await store.query<{ version: number; sha256: string }>(
    "SELECT version, sha256 FROM domain_versions ORDER BY version DESC LIMIT 1",
  );
  if (recorded && recorded.sha256 !== sha256) {
    throw new Error(
      `${file} (SHA-256 ${sha256.slice(0, 16)}…) is not data-domain version ${recorded.version} that the control plane recorded (${recorded.sha256.slice(0, 16)}…): put that file back before starting this release, which splits it into data versions`,
    );
  }
  const work = await mkdtemp(join(tmpdir(), "aos-split-"));
  try {
    // A write-ahead log beside the old file is replayed on a copy: the folder's file stays as it was.
    let source = file;
    if (existsSync(`${file}.wal`)) {
      source = join(work, "domain.duckdb");
      await copyFile(file, source);
      await copyFile(`${file}.wal`, `${source}.wal`);
    }
    const datasets: { dataset: string; version: number; rows: number }[] = [];
    for (const { manifest } of await currentCatalog(store)) {
      const version = await storeDataVersion(
        { store, audit, datasetsDir: folder.datasetsDir, encryption },
        {
          dataset: manifest.name,
          manifest,
          source: { format: "duckdb", path: source, table: manifest.name },
          sha256,
          bytes,
          actor: "upgrade",
          note: "the data domain of the release before data versions",
          onlyFirst: true,
          refusal: async (_code, reason) => {
            throw new Error(
              `cannot split ${file} into data versions: table ${manifest.name} does not fit its manifest (${reason}); start the previous release, fix the table or the policy, and start this release again`,
            );
          },
        },
      );
      datasets.push({ dataset: version.dataset, version: version.version, rows: version.rows });
    }
    if (encryption) {
      // Kept aside, the old file would be the data in the clear beside its encrypted versions; and
      // the previous release could not open this folder again anyway (its signing key is sealed).
      await rm(file, { force: true });
      await rm(`${file}.wal`, { force: true });
      return { datasets, sha256, keptAs: null };
    }
    const keptAs = `${file}.before-data-versions-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    for (const [from, to] of [
      [file, keptAs],
      [`${file}.wal`, `${keptAs}.wal`],
    ] as const) {
      // Another node starting on the same folder may have moved it already.
      if (existsSync(from))
        await rename(from, to).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "ENOENT")
            log.warn("the data file the upgrade replaced could not be moved aside; it stays where it was", {
              error,
            });
        });
    }
    return { datasets, sha256, keptAs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
