import { createHash } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import type { DatasetManifest } from "../policies/manifest.ts";
import { Timestamp } from "../policies/timestamp.ts";
import type { DataDomain } from "../storage/data-domain.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { currentCatalog } from "./catalog.ts";
import { currentDataVersions } from "./data-versions.ts";
import { assertNotFrozen } from "./freezes.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

/**
 * Open data (公共数据开放): grade-1 datasets are readable by anyone, without a key or a license,
 * page by page. Only columns whose rule is `plain` are served: a grade-1 dataset's columns are plain
 * by default, but a column the bureau tightened is withheld here as it would be in a job. Every page
 * read is audited (actor `public`) and metered in `open_data_reads`; freezes stop it like any use.
 */

type Read = Pick<SqlExecutor, "query">;

/** Rows per page when the caller names none, and the most one page may hold. */
export const OPEN_PAGE_DEFAULT = 1000;
export const OPEN_PAGE_MAX = 10_000;

export const OpenDataset = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  holder: z.object({ department: z.string() }),
  updateFrequency: z.string(),
  /** The data version pages are read from now. */
  dataVersion: z.number().int().nullable(),
  columns: z.array(
    z.object({ name: z.string(), type: z.string(), meaning: z.string(), unit: z.string().optional() }),
  ),
  /** Columns the bureau tightened below `plain`: not served openly. */
  withheld: z.array(z.string()),
});
export type OpenDataset = z.infer<typeof OpenDataset>;

function openDatasetOf(manifest: DatasetManifest, dataVersion: number | undefined): OpenDataset {
  const plain = manifest.columns.filter((column) => column.rule === "plain");
  return {
    name: manifest.name,
    title: manifest.title,
    description: manifest.description,
    holder: { department: manifest.holder.department },
    updateFrequency: manifest.updateFrequency,
    dataVersion: dataVersion ?? null,
    columns: plain.map((column) => ({
      name: column.name,
      type: column.type,
      meaning: column.meaning,
      ...(column.unit ? { unit: column.unit } : {}),
    })),
    withheld: manifest.columns.filter((column) => column.rule !== "plain").map((column) => column.name),
  };
}

/** The open datasets: grade 1 in the policy in force, with at least one plain column. */
export async function listOpenDatasets(store: Read, now: Date = new Date()): Promise<OpenDataset[]> {
  const versions = await currentDataVersions(store);
  return (await currentCatalog(store, now))
    .filter((entry) => entry.manifest.grade === 1)
    .map((entry) => openDatasetOf(entry.manifest, versions[entry.manifest.name]))
    .filter((dataset) => dataset.columns.length > 0);
}

/** Where the next page starts: the data version being read and the last row handed out. */
const Cursor = z.object({ v: z.number().int().min(1), r: z.number().int().min(-1) }).strict();
type Cursor = z.infer<typeof Cursor>;

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");

function decodeCursor(text: string): Cursor {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
  } catch {
    throw new DomainError(
      "BAD_REQUEST",
      "cursor is not one this endpoint handed out: pass the `next` value of the previous page unchanged, or leave it out to start at the first row",
    );
  }
}

export interface OpenRowsRequest {
  readonly dataset: string;
  readonly limit?: number;
  readonly cursor?: string;
  /** The caller's address: audited, and kept in the meter only as a digest. */
  readonly address: string;
}

export interface OpenRowsPage {
  readonly dataset: string;
  readonly dataVersion: number;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: Record<string, string | number | boolean | null>[];
  /** Pass as `cursor` for the next page; null after the last row. */
  readonly next: string | null;
}

export interface OpenDataDeps {
  readonly store: Pick<SqlStore, "query" | "transaction">;
  readonly audit: AuditSink;
  readonly dataDomain: Pick<DataDomain, "connect">;
}

function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * One page of an open dataset's rows, in storage order. A cursor pins the data version it started
 * on, so a reader paging through while a new version is supplied gets one consistent version.
 */
export async function readOpenRows(deps: OpenDataDeps, request: OpenRowsRequest): Promise<OpenRowsPage> {
  const limit = request.limit ?? OPEN_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > OPEN_PAGE_MAX)
    throw new DomainError("BAD_REQUEST", `limit must be a whole number from 1 to ${OPEN_PAGE_MAX}`);
  const entry = (await currentCatalog(deps.store)).find((e) => e.manifest.name === request.dataset);
  if (!entry)
    throw new DomainError("NOT_FOUND", `no dataset named ${request.dataset}; see GET /v1/public/datasets`);
  if (entry.manifest.grade !== 1) {
    throw new DomainError(
      "FORBIDDEN",
      `${request.dataset} is grade ${entry.manifest.grade}, not open data: apply for a license (aos apply) and analyse it through jobs`,
    );
  }
  const dataset = openDatasetOf(entry.manifest, undefined);
  if (dataset.columns.length === 0)
    throw new DomainError("FORBIDDEN", `${request.dataset} has no column open to the public`);
  await assertNotFrozen(
    deps.store,
    { operatorId: "public", licenseId: "public", datasets: [request.dataset] },
    `reading ${request.dataset}`,
  );
  const current = await currentDataVersions(deps.store);
  const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  const version = cursor?.v ?? current[request.dataset];
  if (version === undefined)
    throw new DomainError(
      "NOT_READY",
      `${request.dataset} has no data version yet; try again once its holder supplied one`,
    );

  let connection: Awaited<ReturnType<DataDomain["connect"]>>;
  try {
    connection = await deps.dataDomain.connect({ ...current, [request.dataset]: version });
  } catch (error) {
    if (cursor === undefined) throw error;
    throw new DomainError(
      "CONFLICT",
      `data version ${version} of ${request.dataset}, where this cursor started, is no longer served: start again without a cursor`,
    );
  }
  let rows: Record<string, string | number | boolean | null>[];
  let last: number;
  try {
    const names = dataset.columns.map((column) => quoted(column.name)).join(", ");
    // rowid is the row's place in the version's table, which never changes: a stable page key.
    const reader = await connection.runAndReadAll(
      `SELECT rowid AS "__row", ${names} FROM ${quoted(request.dataset)} WHERE rowid > ${cursor?.r ?? -1} ORDER BY rowid LIMIT ${limit + 1}`,
    );
    // DuckDB's own JSON form of each value, as row queries of jobs are served.
    const all = reader.getRowObjectsJson() as Record<string, string | number | boolean | null>[];
    const page = all.slice(0, limit);
    last = page.length ? Number(page[page.length - 1]!.__row) : -1;
    rows = page.map((row) =>
      Object.fromEntries(dataset.columns.map((column) => [column.name, row[column.name] ?? null])),
    );
    if (all.length <= limit) last = -2;
  } finally {
    connection.closeSync();
  }

  const client = createHash("sha256").update(request.address).digest("hex").slice(0, 16);
  await auditedChange(deps.store, deps.audit, async (tx) => {
    await tx.run(
      "INSERT INTO open_data_reads (dataset, version, rows, client, read_at) VALUES ($1, $2, $3, $4, $5)",
      [request.dataset, version, rows.length, client, new Date().toISOString()],
    );
    return {
      result: undefined,
      event: {
        type: "open_data.read",
        actor: "public",
        subject: { datasets: [request.dataset] },
        data: { version, rows: rows.length, address: request.address, first: cursor === undefined },
      },
    };
  });
  return {
    dataset: request.dataset,
    dataVersion: version,
    columns: dataset.columns.map(({ name, type }) => ({ name, type })),
    rows,
    next: last === -2 ? null : encodeCursor({ v: version, r: last }),
  };
}

/** A granted license as the public register shows it: who may use what, for what, when. */
export const RegisteredLicense = z.object({
  license: z.string(),
  operator: z.string().describe("The operator's organisation"),
  purpose: z.string(),
  datasets: z.array(z.string()),
  validFrom: Timestamp,
  validTo: Timestamp,
  status: z.enum(["active", "suspended", "expired", "revoked"]),
});
export type RegisteredLicense = z.infer<typeof RegisteredLicense>;

/** The public register of licenses (授权公示): every license granted, newest first. */
export async function licenseRegister(
  store: Pick<SqlExecutor, "query" | "dialect">,
  page: PageRequest = {},
  now: Date = new Date(),
): Promise<Page<RegisteredLicense>> {
  const rows = await keysetPage<{
    id: string;
    status: RegisteredLicense["status"];
    document: string;
    created_at: string;
    organization: string;
  }>(store, {
    list: "license-register",
    select: `SELECT l.id, l.status, l.document, l.created_at, p.organization
     FROM licenses l JOIN principals p ON p.id = l.operator_id`,
    order: { key: "l.created_at", id: "l.id", direction: "desc" },
    page,
  });
  return mapPage(rows, (row) => {
    const document = JSON.parse(row.document) as {
      purpose: string;
      validFrom: string;
      validTo: string;
      datasets: { name: string }[];
    };
    const lapsed = row.status === "active" && new Date(document.validTo) <= now;
    return {
      license: row.id,
      operator: row.organization,
      purpose: document.purpose,
      datasets: document.datasets.map((d) => d.name).sort(),
      validFrom: document.validFrom,
      validTo: document.validTo,
      status: lapsed ? ("expired" as const) : row.status,
    };
  });
}

export const MonthlyUsage = z.object({
  month: z.string(),
  datasets: z.array(
    z.object({
      dataset: z.string(),
      grade: z.number().int(),
      /** Finished jobs that read the dataset. */
      jobs: z.number().int(),
      /** Distinct operators whose jobs read it. */
      operators: z.number().int(),
      /** Open-data pages read, and rows served by them (grade 1 only). */
      openReads: z.number().int(),
      openRows: z.number().int(),
    }),
  ),
});
export type MonthlyUsage = z.infer<typeof MonthlyUsage>;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/**
 * Monthly use of each dataset for the public register: counts of jobs, operators and open reads.
 * Nothing in it concerns a data subject: it counts uses, never what they found.
 */
export async function monthlyUsage(store: Read, month: string): Promise<MonthlyUsage> {
  const match = MONTH.exec(month);
  if (!match) throw new DomainError("BAD_REQUEST", "month must be YYYY-MM, such as 2026-11");
  const from = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  const to = new Date(Date.UTC(Number(match[1]), Number(match[2]), 1));
  const span = [from.toISOString(), to.toISOString()];
  const jobs = await store.query<{ operator_id: string; usage: string }>(
    "SELECT operator_id, usage FROM jobs WHERE usage IS NOT NULL AND submitted_at >= $1 AND submitted_at < $2",
    span,
  );
  const reads = await store.query<{ dataset: string; reads: number | string; rows: number | string }>(
    `SELECT dataset, count(*) AS reads, sum(rows) AS rows FROM open_data_reads
     WHERE read_at >= $1 AND read_at < $2 GROUP BY dataset`,
    span,
  );
  const catalog = await currentCatalog(store, to);
  const figures = new Map(
    catalog.map((entry) => [
      entry.manifest.name,
      { grade: entry.manifest.grade, jobs: 0, operators: new Set<string>(), openReads: 0, openRows: 0 },
    ]),
  );
  for (const job of jobs) {
    const datasets = (JSON.parse(job.usage) as { datasets?: string[] }).datasets ?? [];
    for (const name of datasets) {
      const figure = figures.get(name);
      if (!figure) continue;
      figure.jobs++;
      figure.operators.add(job.operator_id);
    }
  }
  for (const read of reads) {
    const figure = figures.get(read.dataset);
    if (!figure) continue;
    figure.openReads = Number(read.reads);
    figure.openRows = Number(read.rows);
  }
  return {
    month,
    datasets: [...figures].map(([dataset, f]) => ({
      dataset,
      grade: f.grade,
      jobs: f.jobs,
      operators: f.operators.size,
      openReads: f.openReads,
      openRows: f.openRows,
    })),
  };
}
