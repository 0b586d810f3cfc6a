import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DomainError, isDomainError } from "../policies/errors.ts";
import { type License, licensedViews } from "../policies/license.ts";
import type { DatasetManifest } from "../policies/manifest.ts";
import { analyzeQuery } from "../policies/query-gate.ts";
import { Timestamp } from "../policies/timestamp.ts";
import type { DataDomain } from "../storage/data-domain.ts";
import { sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import { log } from "../telemetry/log.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { type Actor, requireActor } from "./authority.ts";
import { type CatalogEntry, currentCatalog } from "./catalog.ts";
import { currentDataVersions, findDataVersion } from "./data-versions.ts";
import { holdsDataset } from "./holders.ts";
import { notify } from "./inbox.ts";
import { keysetPage, type Page, type PageRequest } from "./paging.ts";
import { parseSql } from "./query-service.ts";
import { usableLicenseCovering } from "./registries.ts";

/**
 * Data quality feedback (数据质量评价与反馈). A licensed operator reports what is wrong with a
 * dataset or one of its columns — a summary, a category and, optionally, an example query: SQL
 * text the query gate accepts under the reporter's license, stored and never run here. A report
 * never carries rows (the schemas are strict: a `rows` or `data` field is refused). The holder
 * department answers (accepted, or rejected with a reason) and links the fix to a new data version,
 * which resolves the issue; the reporter confirms it or reopens it once. The catalog's quality
 * summary adds completeness per column (share of non-NULL values of the current data version,
 * computed once per version), freshness, and issue counts.
 */

export const QualityCategory = z.enum(["missing_values", "wrong_values", "stale", "inconsistent", "other"]);
export type QualityCategory = z.infer<typeof QualityCategory>;

export const QualityIssueStatus = z.enum(["open", "accepted", "rejected", "resolved", "closed"]);
export type QualityIssueStatus = z.infer<typeof QualityIssueStatus>;

/** The longest example query accepted: an example, not a script. */
export const MAX_EXAMPLE_QUERY_CHARS = 4000;

/** What an operator reports. Strict: anything else (rows, data, attachments) is refused. */
export const QualityReport = z.strictObject({
  /** A column of the dataset, when the issue is about one. */
  column: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/)
    .optional(),
  category: QualityCategory,
  summary: z.string().trim().min(1).max(2000),
  /** SQL text only: one SELECT over this dataset that the reporter's license admits. */
  exampleQuery: z.string().trim().min(1).max(MAX_EXAMPLE_QUERY_CHARS).optional(),
  /** The license the example query is checked under; default: the reporter's newest usable license naming the dataset. */
  license: z.string().min(1).max(100).optional(),
});
export type QualityReport = z.infer<typeof QualityReport>;

/** The holder department's answer. */
export const QualityAnswer = z
  .strictObject({
    decision: z.enum(["accepted", "rejected"]),
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .refine((a) => a.decision === "accepted" || a.reason !== undefined, {
    path: ["reason"],
    message: "a rejection states its reason",
  });
export type QualityAnswer = z.infer<typeof QualityAnswer>;

/** The fix: a data version of the dataset supplied after the report. */
export const QualityResolution = z.strictObject({
  version: z.number().int().positive(),
  note: z.string().trim().min(1).max(2000).optional(),
});
export type QualityResolution = z.infer<typeof QualityResolution>;

/** The reporter's word on an answer: it holds (confirm) or the issue is open again (reopen, once). */
export const QualityFollowUp = z.strictObject({
  reason: z.string().trim().min(1).max(2000).optional(),
});
export type QualityFollowUp = z.infer<typeof QualityFollowUp>;

export const QualityStep = z.object({
  step: z.enum(["reported", "accepted", "rejected", "resolved", "confirmed", "reopened"]),
  actor: z.string(),
  reason: z.string().nullable(),
  dataVersion: z.number().int().nullable(),
  at: z.string(),
});
export type QualityStep = z.infer<typeof QualityStep>;

export const QualityIssue = z.object({
  id: z.string(),
  dataset: z.string(),
  column: z.string().nullable(),
  category: QualityCategory,
  summary: z.string(),
  exampleQuery: z.string().nullable(),
  reporter: z.string(),
  license: z.string(),
  /** The data version current when it was reported. */
  reportedVersion: z.number().int().nullable(),
  status: QualityIssueStatus,
  /** The reason of the latest answer (a rejection's, or an acceptance's if given). */
  answerReason: z.string().nullable(),
  /** The data version that fixed it. */
  fixVersion: z.number().int().nullable(),
  /** Whether the reporter has used its one reopening. */
  reopened: z.boolean(),
  reportedAt: Timestamp,
  updatedAt: Timestamp,
  resolvedAt: Timestamp.nullable(),
  steps: z.array(QualityStep),
});
export type QualityIssue = z.infer<typeof QualityIssue>;

export const ColumnCompleteness = z.object({
  column: z.string(),
  /** Share of non-NULL values in the current data version, 0..1 (four decimals). */
  completeness: z.number().nullable(),
});

export const QualitySummary = z.object({
  dataset: z.string(),
  /** The current data version and when it was supplied; null before any. */
  currentVersion: z.number().int().nullable(),
  suppliedAt: Timestamp.nullable(),
  /** Hours since the current version was supplied. */
  ageHours: z.number().int().nullable(),
  /** The update frequency the policy declares, to read the age against. */
  updateFrequency: z.string(),
  completeness: z.array(ColumnCompleteness),
  issues: z.object({
    /** Open or accepted, not yet fixed. */
    open: z.number().int(),
    opened: z.number().int(),
    /** Fixed by a data version (resolved or confirmed). */
    resolved: z.number().int(),
    rejected: z.number().int(),
  }),
});
export type QualitySummary = z.infer<typeof QualitySummary>;

type Read = Pick<SqlExecutor, "query">;

export interface QualityDeps {
  readonly store: Pick<SqlStore, "transaction" | "query">;
  readonly audit: AuditSink;
  /** Parses example queries (DuckDB's own parser, nothing run) and counts non-NULL values per column. */
  readonly dataDomain: Pick<DataDomain, "connect">;
  readonly now?: () => Date;
}

interface IssueRow {
  id: string;
  dataset: string;
  column_name: string | null;
  category: QualityCategory;
  summary: string;
  example_query: string | null;
  reporter_id: string;
  license_id: string;
  reported_version: number | null;
  status: QualityIssueStatus;
  answer_reason: string | null;
  fix_version: number | null;
  reopened: number;
  reported_at: string;
  updated_at: string;
  resolved_at: string | null;
}

const COLUMNS = `id, dataset, column_name, category, summary, example_query, reporter_id, license_id,
  reported_version, status, answer_reason, fix_version, reopened, reported_at, updated_at, resolved_at`;

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

async function stepsOf(store: Read, id: string): Promise<QualityStep[]> {
  const rows = await store.query<{
    seq: number;
    step: QualityStep["step"];
    actor_id: string;
    reason: string | null;
    data_version: number | null;
    at: string;
  }>("SELECT seq, step, actor_id, reason, data_version, at FROM quality_issue_steps WHERE issue_id = $1", [
    id,
  ]);
  return rows
    .sort((a, b) => Number(a.seq) - Number(b.seq))
    .map((r) => ({
      step: r.step,
      actor: r.actor_id,
      reason: r.reason,
      dataVersion: num(r.data_version),
      at: r.at,
    }));
}

async function toIssue(store: Read, row: IssueRow): Promise<QualityIssue> {
  return {
    id: row.id,
    dataset: row.dataset,
    column: row.column_name,
    category: row.category,
    summary: row.summary,
    exampleQuery: row.example_query,
    reporter: row.reporter_id,
    license: row.license_id,
    reportedVersion: num(row.reported_version),
    status: row.status,
    answerReason: row.answer_reason,
    fixVersion: num(row.fix_version),
    reopened: Number(row.reopened) === 1,
    reportedAt: row.reported_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    steps: await stepsOf(store, row.id),
  };
}

async function addStep(
  tx: Pick<SqlExecutor, "query" | "run">,
  id: string,
  step: QualityStep["step"],
  actor: string,
  at: string,
  extra: { reason?: string | undefined; version?: number } = {},
): Promise<void> {
  const rows = await tx.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM quality_issue_steps WHERE issue_id = $1",
    [id],
  );
  await tx.run(
    "INSERT INTO quality_issue_steps (issue_id, seq, step, actor_id, reason, data_version, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    [id, Number(rows[0]?.n ?? 0) + 1, step, actor, extra.reason ?? null, extra.version ?? null, at],
  );
}

const notFound = (id: string) =>
  new DomainError("NOT_FOUND", `no quality issue ${id}: list yours with GET /v1/datasets/{name}/issues`);

function catalogEntry(catalog: readonly CatalogEntry[], dataset: string): CatalogEntry {
  const entry = catalog.find((e) => e.manifest.name === dataset);
  if (!entry) throw new DomainError("NOT_FOUND", `no dataset named ${dataset}: see GET /v1/datasets`);
  return entry;
}

/** The reporter's usable license naming `dataset` (the one it names, or its newest). */
async function reportingLicense(
  store: Read,
  actor: Actor,
  dataset: string,
  wanted: string | undefined,
  now: Date,
): Promise<License> {
  const license = await usableLicenseCovering(store, actor.id, [dataset], now, wanted);
  if (!license) {
    throw new DomainError(
      "FORBIDDEN",
      wanted === undefined
        ? `only an operator holding an active license on ${dataset} may report its quality: apply for one (POST /v1/applications)`
        : `license ${wanted} is not an active license of yours naming ${dataset}: name another, or leave the license out`,
    );
  }
  return license;
}

/**
 * Checks the example query with the query gate, exactly as a job's query would be under `license`
 * but with only `dataset` in view: one SELECT, reading that dataset, within its column rules. The
 * query is parsed, never run.
 */
async function checkExampleQuery(
  deps: Pick<QualityDeps, "dataDomain">,
  sql: string,
  license: License,
  manifests: readonly DatasetManifest[],
  dataset: string,
): Promise<void> {
  const view = licensedViews(license, manifests).get(dataset);
  if (!view) throw new DomainError("FORBIDDEN", `license ${license.id} does not name ${dataset}`);
  const connection = await deps.dataDomain.connect();
  try {
    const analysis = analyzeQuery(await parseSql(connection, sql), new Map([[dataset, view]]));
    if (!analysis.datasets.includes(dataset)) {
      throw new DomainError("SQL_NOT_ALLOWED", `the query does not read ${dataset}`);
    }
  } catch (error) {
    if (isDomainError(error) && error.code !== "INTERNAL") {
      throw new DomainError(
        error.code,
        `the example query is refused: ${error.detail}. Give one SELECT over ${dataset} alone that your license admits (it is stored, never run)`,
      );
    }
    throw error;
  } finally {
    connection.closeSync();
  }
}

function issueEvent(
  type: string,
  actor: string,
  row: Pick<IssueRow, "id" | "dataset" | "reporter_id" | "license_id">,
  data: Record<string, unknown>,
): AuditEvent {
  return {
    type,
    actor,
    subject: { operator: row.reporter_id, license: row.license_id, datasets: [row.dataset] },
    data: { issue: row.id, dataset: row.dataset, ...data },
  };
}

/**
 * Reports a quality issue (operator licensed on the dataset). Audited; the holder department is
 * told. The example query, if any, must pass the query gate under the reporter's license.
 *
 * @example
 * await reportQualityIssue(deps, operator, "air_quality", {
 *   column: "pm25", category: "missing_values", summary: "no readings after 2026-03-01 at station 4",
 *   exampleQuery: "SELECT station, count(pm25) FROM air_quality GROUP BY station",
 * });
 */
export async function reportQualityIssue(
  deps: QualityDeps,
  actor: Actor,
  dataset: string,
  report: unknown,
): Promise<QualityIssue> {
  requireActor(actor, ["operator"], "report a data quality issue");
  const parsed = QualityReport.safeParse(report);
  if (!parsed.success)
    throw invalid(
      "quality report",
      parsed.error,
      "a report carries no rows or data: describe the issue, and give an example query if it helps",
    );
  const input = parsed.data;
  const now = deps.now?.() ?? new Date();
  const catalog = await currentCatalog(deps.store, now);
  const entry = catalogEntry(catalog, dataset);
  if (input.column !== undefined && !entry.manifest.columns.some((c) => c.name === input.column)) {
    throw new DomainError("BAD_REQUEST", `dataset ${dataset} has no column ${input.column}`);
  }
  const license = await reportingLicense(deps.store, actor, dataset, input.license, now);
  if (input.exampleQuery !== undefined) {
    await checkExampleQuery(
      deps,
      input.exampleQuery,
      license,
      catalog.map((e) => e.manifest),
      dataset,
    );
  }
  const id = `qi_${randomUUID()}`;
  const at = now.toISOString();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    const version = (await currentDataVersions(tx))[dataset] ?? null;
    const row: IssueRow = {
      id,
      dataset,
      column_name: input.column ?? null,
      category: input.category,
      summary: input.summary,
      example_query: input.exampleQuery ?? null,
      reporter_id: actor.id,
      license_id: license.id,
      reported_version: version,
      status: "open",
      answer_reason: null,
      fix_version: null,
      reopened: 0,
      reported_at: at,
      updated_at: at,
      resolved_at: null,
    };
    await tx.run(
      `INSERT INTO quality_issues (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        row.id,
        row.dataset,
        row.column_name,
        row.category,
        row.summary,
        row.example_query,
        row.reporter_id,
        row.license_id,
        row.reported_version,
        row.status,
        row.answer_reason,
        row.fix_version,
        row.reopened,
        row.reported_at,
        row.updated_at,
        row.resolved_at,
      ],
    );
    await addStep(tx, id, "reported", actor.id, at, { ...(version === null ? {} : { version }) });
    await notify(
      tx,
      { holdersOf: [dataset], except: actor.id },
      {
        kind: "quality_issue.reported",
        subject: { qualityIssue: id, dataset },
        message: `quality issue ${id} (${input.category}${input.column ? `, column ${input.column}` : ""}) reported on ${dataset} by operator ${actor.id}: answer it with POST /v1/quality-issues/${id}/answer`,
      },
    );
    return {
      result: await toIssue(tx, row),
      event: issueEvent("quality_issue.reported", actor.id, row, {
        column: row.column_name,
        category: row.category,
        reportedVersion: version,
        exampleQuery: row.example_query !== null,
      }),
    };
  });
}

function invalid(what: string, error: z.ZodError, hint: string): DomainError {
  const fields = error.issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((k) => `${k} (not accepted)`)
      : [i.path.join(".") || "(body)"],
  );
  return new DomainError("BAD_REQUEST", `invalid ${what}: ${[...new Set(fields)].join(", ")}; ${hint}`);
}

/** The issue row, locked for a change; NOT_FOUND when absent. */
async function lockedIssue(tx: SqlExecutor, id: string): Promise<IssueRow> {
  const rows = await tx.query<IssueRow>(
    `SELECT ${COLUMNS} FROM quality_issues WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
    [id],
  );
  if (!rows[0]) throw notFound(id);
  return rows[0];
}

/** Refuses a holder of another department as if the issue did not exist. */
async function assertHolderOf(tx: Read, actor: Actor, row: IssueRow): Promise<void> {
  requireActor(actor, ["holder"], "answer a data quality issue (the dataset's holder department does)");
  if (!(await holdsDataset(tx, actor.organization, row.dataset))) throw notFound(row.id);
}

async function setState(
  tx: Pick<SqlExecutor, "run">,
  id: string,
  fields: Partial<Pick<IssueRow, "status" | "answer_reason" | "fix_version" | "reopened" | "resolved_at">>,
  at: string,
): Promise<void> {
  const entries = Object.entries(fields);
  const sets = entries.map(([column], i) => `${column} = $${i + 2}`).join(", ");
  await tx.run(`UPDATE quality_issues SET ${sets}, updated_at = $${entries.length + 2} WHERE id = $1`, [
    id,
    ...entries.map(([, value]) => value as string | number | null),
    at,
  ]);
}

async function reread(tx: Read, id: string): Promise<QualityIssue> {
  const rows = await tx.query<IssueRow>(`SELECT ${COLUMNS} FROM quality_issues WHERE id = $1`, [id]);
  return toIssue(tx, rows[0]!);
}

/** The holder department answers an open issue: accepted, or rejected with a reason. The reporter is told. */
export async function answerQualityIssue(
  deps: QualityDeps,
  actor: Actor,
  id: string,
  answer: unknown,
): Promise<QualityIssue> {
  requireActor(actor, ["holder"], "answer a data quality issue (the dataset's holder department does)");
  const parsed = QualityAnswer.safeParse(answer);
  if (!parsed.success)
    throw invalid("answer", parsed.error, "answer with decision accepted, or rejected and a reason");
  const { decision, reason } = parsed.data;
  const at = (deps.now?.() ?? new Date()).toISOString();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    const row = await lockedIssue(tx, id);
    await assertHolderOf(tx, actor, row);
    if (row.status !== "open") {
      throw new DomainError(
        "CONFLICT",
        `quality issue ${id} is ${row.status}, not open: ${row.status === "accepted" ? `link its fix with POST /v1/quality-issues/${id}/resolve` : "it waits for no answer"}`,
      );
    }
    await setState(tx, id, { status: decision, answer_reason: reason ?? null }, at);
    await addStep(tx, id, decision, actor.id, at, { reason });
    await notify(
      tx,
      { principals: [row.reporter_id] },
      {
        kind: "quality_issue.answered",
        subject: { qualityIssue: id, dataset: row.dataset },
        message: `quality issue ${id} on ${row.dataset} was ${decision} by the holder department (${actor.organization})${decision === "rejected" ? `: ${reason}` : ""}`,
      },
    );
    return {
      result: await reread(tx, id),
      event: issueEvent(`quality_issue.${decision}`, actor.id, row, { reason: reason ?? null }),
    };
  });
}

/**
 * Links the fix of an open or accepted issue to a data version of its dataset supplied after the
 * report (holder department): the issue is resolved and the reporter told.
 */
export async function resolveQualityIssue(
  deps: QualityDeps,
  actor: Actor,
  id: string,
  resolution: unknown,
): Promise<QualityIssue> {
  requireActor(actor, ["holder"], "resolve a data quality issue (the dataset's holder department does)");
  const parsed = QualityResolution.safeParse(resolution);
  if (!parsed.success) throw invalid("resolution", parsed.error, "name the data version that fixes it");
  const { version, note } = parsed.data;
  const at = (deps.now?.() ?? new Date()).toISOString();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    const row = await lockedIssue(tx, id);
    await assertHolderOf(tx, actor, row);
    if (row.status !== "open" && row.status !== "accepted") {
      throw new DomainError(
        "CONFLICT",
        `quality issue ${id} is ${row.status}: only an open or accepted issue is resolved`,
      );
    }
    const fix = await findDataVersion(tx, row.dataset, version);
    if (!fix) {
      throw new DomainError(
        "NOT_FOUND",
        `dataset ${row.dataset} has no data version ${version}: supply the fixed data first (POST /v1/datasets/${row.dataset}/versions)`,
      );
    }
    const reported = num(row.reported_version);
    if (reported !== null && version <= reported) {
      throw new DomainError(
        "CONFLICT",
        `data version ${version} is not newer than version ${reported}, current when the issue was reported: supply a new version with the fix`,
      );
    }
    await setState(tx, id, { status: "resolved", fix_version: version, resolved_at: at }, at);
    await addStep(tx, id, "resolved", actor.id, at, { reason: note, version });
    await notify(
      tx,
      { principals: [row.reporter_id] },
      {
        kind: "quality_issue.answered",
        subject: { qualityIssue: id, dataset: row.dataset },
        message: `quality issue ${id} on ${row.dataset} is resolved by data version ${version}: confirm it, or reopen it once, with POST /v1/quality-issues/${id}/confirm or /reopen`,
      },
    );
    return {
      result: await reread(tx, id),
      event: issueEvent("quality_issue.resolved", actor.id, row, {
        fixVersion: version,
        fixSha256: fix.sha256,
        note: note ?? null,
      }),
    };
  });
}

/** The reporter accepts the answer (resolved or rejected): the issue is closed. */
export async function confirmQualityIssue(
  deps: QualityDeps,
  actor: Actor,
  id: string,
  input: unknown = {},
): Promise<QualityIssue> {
  return followUp(deps, actor, id, input, "confirmed");
}

/** The reporter reopens a resolved or rejected issue, once: it is open again and the holder told. */
export async function reopenQualityIssue(
  deps: QualityDeps,
  actor: Actor,
  id: string,
  input: unknown = {},
): Promise<QualityIssue> {
  return followUp(deps, actor, id, input, "reopened");
}

async function followUp(
  deps: QualityDeps,
  actor: Actor,
  id: string,
  input: unknown,
  step: "confirmed" | "reopened",
): Promise<QualityIssue> {
  const verb = step === "confirmed" ? "confirm" : "reopen";
  requireActor(actor, ["operator"], `${verb} a data quality issue (its reporter does)`);
  const parsed = QualityFollowUp.safeParse(input ?? {});
  if (!parsed.success) throw invalid(verb, parsed.error, "give only a reason");
  const { reason } = parsed.data;
  const at = (deps.now?.() ?? new Date()).toISOString();
  return auditedChange(deps.store, deps.audit, async (tx) => {
    const row = await lockedIssue(tx, id);
    if (row.reporter_id !== actor.id) throw notFound(id);
    if (row.status !== "resolved" && row.status !== "rejected") {
      throw new DomainError(
        "CONFLICT",
        `quality issue ${id} is ${row.status}: only a resolved or rejected issue is ${step}`,
      );
    }
    if (step === "reopened" && Number(row.reopened) === 1) {
      throw new DomainError(
        "CONFLICT",
        `quality issue ${id} was reopened once already: report a new issue if the problem remains`,
      );
    }
    if (step === "confirmed") await setState(tx, id, { status: "closed" }, at);
    else
      await setState(
        tx,
        id,
        { status: "open", reopened: 1, fix_version: null, resolved_at: null, answer_reason: null },
        at,
      );
    await addStep(tx, id, step, actor.id, at, { reason });
    if (step === "reopened") {
      await notify(
        tx,
        { holdersOf: [row.dataset], except: actor.id },
        {
          kind: "quality_issue.reported",
          subject: { qualityIssue: id, dataset: row.dataset },
          message: `quality issue ${id} on ${row.dataset} was reopened by its reporter ${actor.id}: answer it again with POST /v1/quality-issues/${id}/answer`,
        },
      );
    }
    return {
      result: await reread(tx, id),
      event: issueEvent(`quality_issue.${step}`, actor.id, row, {
        from: row.status,
        reason: reason ?? null,
      }),
    };
  });
}

/**
 * The issues of a dataset `actor` may read, newest first, a page at a time: all of them for the bureau, auditors
 * and the dataset's holder department; an operator's own. Another department's holder is told the
 * dataset does not exist.
 */
export async function listQualityIssues(
  store: Pick<SqlExecutor, "query" | "dialect">,
  actor: Actor,
  dataset: string,
  filter: { status?: QualityIssueStatus } = {},
  page: PageRequest = {},
): Promise<Page<QualityIssue>> {
  requireActor(actor, ["operator", "bureau", "auditor", "holder"], "read quality issues");
  catalogEntry(await currentCatalog(store), dataset);
  if (actor.role === "holder" && !(await holdsDataset(store, actor.organization, dataset))) {
    throw new DomainError("NOT_FOUND", `no dataset named ${dataset}: see GET /v1/datasets`);
  }
  const where = ["dataset = $1"];
  const params: string[] = [dataset];
  if (actor.role === "operator") {
    params.push(actor.id);
    where.push(`reporter_id = $${params.length}`);
  }
  if (filter.status !== undefined) {
    params.push(filter.status);
    where.push(`status = $${params.length}`);
  }
  const rows = await keysetPage<IssueRow & Record<string, unknown>>(store, {
    list: `quality-issues:${dataset}`,
    select: `SELECT ${COLUMNS} FROM quality_issues`,
    where,
    params,
    order: { key: "reported_at", id: "id", direction: "desc" },
    page,
  });
  const issues: QualityIssue[] = [];
  for (const row of rows.items) issues.push(await toIssue(store, row));
  return { items: issues, next: rows.next };
}

/** One issue; NOT_FOUND unless `actor` may read it (see `listQualityIssues`). */
export async function getQualityIssue(store: Read, actor: Actor, id: string): Promise<QualityIssue> {
  requireActor(actor, ["operator", "bureau", "auditor", "holder"], "read quality issues");
  const rows = await store.query<IssueRow>(`SELECT ${COLUMNS} FROM quality_issues WHERE id = $1`, [id]);
  const row = rows[0];
  if (!row) throw notFound(id);
  if (actor.role === "operator" && row.reporter_id !== actor.id) throw notFound(id);
  if (actor.role === "holder" && !(await holdsDataset(store, actor.organization, row.dataset)))
    throw notFound(id);
  return toIssue(store, row);
}

/** Open (or accepted, not yet fixed) issues per dataset, for the catalog listing. */
export async function openQualityIssueCounts(store: Read): Promise<Map<string, number>> {
  const rows = await store.query<{ dataset: string; n: number | string }>(
    "SELECT dataset, count(*) AS n FROM quality_issues WHERE status IN ('open', 'accepted') GROUP BY dataset",
  );
  return new Map(rows.map((r) => [r.dataset, Number(r.n)]));
}

const HOUR_MS = 3_600_000;

/**
 * The quality summary of a dataset (every role, as the catalog): completeness per column of the
 * current data version, its age, and issue counts. Completeness is counted once per version and
 * kept (a version's data never changes); only shares of non-NULL values are shown, never a value.
 */
export async function qualitySummary(
  deps: Omit<QualityDeps, "audit">,
  actor: Actor,
  dataset: string,
): Promise<QualitySummary> {
  requireActor(actor, ["operator", "bureau", "auditor", "holder"], "read the catalog");
  const now = deps.now?.() ?? new Date();
  const entry = catalogEntry(await currentCatalog(deps.store, now), dataset);
  const current = (await currentDataVersions(deps.store))[dataset];
  const info = current === undefined ? undefined : await findDataVersion(deps.store, dataset, current);
  const columns = entry.manifest.columns.map((c) => c.name);
  const counts = info
    ? await completenessOf(deps, dataset, info.version, columns)
    : new Map<string, Counted>();
  const issueRows = await deps.store.query<{ status: QualityIssueStatus; fixed: number | string }>(
    "SELECT status, CASE WHEN fix_version IS NULL THEN 0 ELSE 1 END AS fixed FROM quality_issues WHERE dataset = $1",
    [dataset],
  );
  return {
    dataset,
    currentVersion: info?.version ?? null,
    suppliedAt: info?.suppliedAt ?? null,
    ageHours: info ? Math.max(0, Math.floor((now.getTime() - Date.parse(info.suppliedAt)) / HOUR_MS)) : null,
    updateFrequency: entry.manifest.updateFrequency,
    completeness: columns.map((column) => {
      const counted = counts.get(column);
      return {
        column,
        completeness:
          counted === undefined
            ? null
            : counted.rows === 0
              ? 1
              : Math.round((counted.nonNull / counted.rows) * 10_000) / 10_000,
      };
    }),
    issues: {
      open: issueRows.filter((r) => r.status === "open" || r.status === "accepted").length,
      opened: issueRows.length,
      resolved: issueRows.filter((r) => Number(r.fixed) === 1).length,
      rejected: issueRows.filter((r) => r.status === "rejected").length,
    },
  };
}

interface Counted {
  readonly rows: number;
  readonly nonNull: number;
}

const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

/** Non-NULL counts per column of one data version: stored ones, and the missing ones counted now and stored. */
async function completenessOf(
  deps: Pick<QualityDeps, "store" | "dataDomain">,
  dataset: string,
  version: number,
  columns: readonly string[],
): Promise<Map<string, Counted>> {
  const stored = await deps.store.query<{
    column_name: string;
    row_count: number | string;
    non_null: number | string;
  }>("SELECT column_name, row_count, non_null FROM data_completeness WHERE dataset = $1 AND version = $2", [
    dataset,
    version,
  ]);
  const counts = new Map(
    stored.map((r) => [r.column_name, { rows: Number(r.row_count), nonNull: Number(r.non_null) }]),
  );
  const missing = columns.filter((c) => !counts.has(c) && PLAIN_NAME.test(c));
  if (missing.length === 0 || !PLAIN_NAME.test(dataset)) return counts;
  // The whole stamp, so that the current generation serves it (a stamp of one dataset would open one of its own).
  const stamp = { ...(await currentDataVersions(deps.store)), [dataset]: version };
  const connection = await deps.dataDomain.connect(stamp);
  let row: unknown[];
  try {
    // Names are the manifest's lower snake case (checked above), quoted as identifiers.
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::BIGINT, ${missing.map((c) => `count("${c}")::BIGINT`).join(", ")} FROM "${dataset}"`,
    );
    row = reader.getRows()[0] ?? [];
  } catch (error) {
    // A column the version's table lacks (a policy newer than the data): no completeness for now.
    log.warn("column completeness not counted; the quality report goes without it", {
      dataset,
      version,
      error,
    });
    return counts;
  } finally {
    connection.closeSync();
  }
  const rows = Number(row[0] ?? 0);
  const at = new Date().toISOString();
  await deps.store.transaction(async (tx) => {
    for (const [i, column] of missing.entries()) {
      const nonNull = Number(row[i + 1] ?? 0);
      counts.set(column, { rows, nonNull });
      await tx.run(
        `INSERT INTO data_completeness (dataset, version, column_name, row_count, non_null, computed_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dataset, version, column_name) DO NOTHING`,
        [dataset, version, column, rows, nonNull, at],
      );
    }
  });
  return counts;
}
