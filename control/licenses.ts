import { DomainError, describeIssues } from "../policies/errors.ts";
import { budgetPeriodKey, License, LicenseQuotas, licensedViews } from "../policies/license.ts";
import { type DatasetManifest, ruleTightens } from "../policies/manifest.ts";
import { compareText, sqlDialect } from "../storage/sql-dialect.ts";
import { isUniqueViolation, type SqlExecutor, type SqlStore, type SqlValue } from "../storage/sql-store.ts";
import type { AuditSink } from "./audit-sink.ts";
import { auditedChange } from "./audited-change.ts";
import { currentCatalog } from "./catalog.ts";
import { keysetPage, mapPage, type Page, type PageRequest } from "./paging.ts";

export const LicenseStatus = ["active", "suspended", "expired", "revoked"] as const;
export type LicenseStatus = (typeof LicenseStatus)[number];

export interface LicenseRecord {
  readonly license: License;
  readonly status: LicenseStatus;
}

type Read = Pick<SqlExecutor, "query">;

/** Grants a license; the document is validated against the License schema before it is stored. */
export async function grantLicense(
  store: Pick<SqlExecutor, "run">,
  document: License,
): Promise<LicenseRecord> {
  const license = License.parse(document);
  const now = new Date().toISOString();
  await store.run(
    "INSERT INTO licenses (id, operator_id, status, document, created_at, updated_at) VALUES ($1, $2, 'active', $3, $4, $4)",
    [license.id, license.operator, JSON.stringify(license), now],
  );
  return { license, status: "active" };
}

/** The licenses an operator holds, newest first. */
export async function licensesOfOperator(store: Read, operatorId: string): Promise<LicenseRecord[]> {
  const rows = await store.query<{ id: string; document: string; status: LicenseStatus; created_at: string }>(
    "SELECT id, document, status, created_at FROM licenses WHERE operator_id = $1",
    [operatorId],
  );
  return rows
    .sort(newestFirst)
    .map((row) => ({ license: License.parse(JSON.parse(row.document)), status: row.status }));
}

/**
 * Newest first, then by id. Ordered here, not by the database: PostgreSQL's text collation may
 * order ids differently from SQLite's, and both adapters must answer alike.
 */
function newestFirst(a: { created_at: string; id: string }, b: { created_at: string; id: string }): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return compareText(a.id, b.id);
}

/** One license by id, or null. */
export async function findLicense(store: Read, id: string): Promise<LicenseRecord | null> {
  const rows = await store.query<{ document: string; status: LicenseStatus }>(
    "SELECT document, status FROM licenses WHERE id = $1",
    [id],
  );
  const row = rows[0];
  return row ? { license: License.parse(JSON.parse(row.document)), status: row.status } : null;
}

/**
 * Whether `record` lets `operatorId` run a job for `purpose` at `now`; throws the code the
 * operator can act on. Checked at submission and again when the job starts: a license can be
 * suspended or run out while its job waits in the queue.
 */
export function assertLicenseUsable(
  record: LicenseRecord | null,
  request: { operatorId: string; purpose?: string; now: Date },
): LicenseRecord {
  // Another operator's license answers exactly like a missing one: its existence is not disclosed.
  if (!record || record.license.operator !== request.operatorId) {
    throw new DomainError("LICENSE_INVALID", "no such license for this operator");
  }
  const { license, status } = record;
  // The bureau's explicit expiry and a lapsed window are one situation for the operator: renew.
  if (status === "expired") throw new DomainError("LICENSE_EXPIRED", `license ${license.id} has expired`);
  if (status !== "active") throw new DomainError("LICENSE_INVALID", `license ${license.id} is ${status}`);
  const now = request.now.getTime();
  if (now < Date.parse(license.validFrom)) {
    throw new DomainError("LICENSE_INVALID", `license ${license.id} is valid from ${license.validFrom}`);
  }
  if (now >= Date.parse(license.validTo)) {
    throw new DomainError("LICENSE_EXPIRED", `license ${license.id} expired at ${license.validTo}`);
  }
  if (request.purpose !== undefined && request.purpose !== license.purpose) {
    throw new DomainError(
      "LICENSE_INVALID",
      `license ${license.id} is granted for purpose '${license.purpose}'`,
    );
  }
  return record;
}

/** A license as the bureau manages it: the record plus why and when its status last changed. */
export interface LicenseDetail extends LicenseRecord {
  readonly statusReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string | null;
}

type DetailRow = Record<string, unknown> & {
  id: string;
  document: string;
  status: LicenseStatus;
  status_reason: string | null;
  created_at: string;
  updated_at: string | null;
};
const DETAIL_COLUMNS = "id, document, status, status_reason, created_at, updated_at";
const toDetail = (row: DetailRow): LicenseDetail => ({
  license: License.parse(JSON.parse(row.document)),
  status: row.status,
  statusReason: row.status_reason,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Licenses with their status details, newest first, a page at a time; all of them, or one operator's. */
export async function listLicenses(
  store: Pick<SqlExecutor, "query" | "dialect">,
  filter: { operatorId?: string; status?: LicenseStatus } = {},
  page: PageRequest = {},
): Promise<Page<LicenseDetail>> {
  const params: SqlValue[] = [];
  const conditions: string[] = [];
  if (filter.operatorId !== undefined) {
    params.push(filter.operatorId);
    conditions.push(`operator_id = $${params.length}`);
  }
  if (filter.status !== undefined) {
    params.push(filter.status);
    conditions.push(`status = $${params.length}`);
  }
  const rows = await keysetPage<DetailRow>(store, {
    list: "licenses",
    select: `SELECT ${DETAIL_COLUMNS} FROM licenses`,
    where: conditions,
    params,
    order: { key: "created_at", id: "id", direction: "desc" },
    page,
  });
  return mapPage(rows, toDetail);
}

/** One license with its status details; NOT_FOUND if absent or (with `visibleTo`) another operator's. */
export async function getLicenseDetail(store: Read, id: string, visibleTo?: string): Promise<LicenseDetail> {
  const rows = await store.query<DetailRow>(`SELECT ${DETAIL_COLUMNS} FROM licenses WHERE id = $1`, [id]);
  const detail = rows[0] ? toDetail(rows[0]) : null;
  // Another operator's license answers exactly like a missing one.
  if (!detail || (visibleTo !== undefined && detail.license.operator !== visibleTo)) {
    throw new DomainError("NOT_FOUND", `no license ${id}`);
  }
  return detail;
}

/**
 * A license read for a change in the same transaction, its row locked: of two changes racing on
 * two nodes, the second starts from the state the first left.
 */
async function lockedLicense(tx: SqlExecutor, id: string): Promise<LicenseDetail> {
  const rows = await tx.query<DetailRow>(
    `SELECT ${DETAIL_COLUMNS} FROM licenses WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
    [id],
  );
  if (!rows[0]) throw new DomainError("NOT_FOUND", `no license ${id}`);
  return toDetail(rows[0]);
}

/** ε spent and left on one dataset of a license in the period containing `now`. */
export interface DatasetBudget {
  readonly dataset: string;
  readonly period: string;
  readonly total: number;
  readonly spent: number;
  readonly left: number;
}

/**
 * The privacy budget of each ε-budgeted dataset of a license in its current period, from the
 * spent totals the budget ledger moves with each charge (`budget_spent`, micro-ε, so exact).
 */
export async function licenseBudgets(store: Read, license: License, now: Date): Promise<DatasetBudget[]> {
  const budgets: DatasetBudget[] = [];
  for (const grant of license.datasets) {
    if (!grant.epsilon) continue;
    const period = budgetPeriodKey(grant.epsilon.period, now);
    const rows = await store.query<{ micro: number | null }>(
      `SELECT micro_epsilon AS micro FROM budget_spent
       WHERE license_id = $1 AND dataset = $2 AND period = $3`,
      [license.id, grant.name, period],
    );
    const spent = Number(rows[0]?.micro ?? 0) / 1e6;
    const total = grant.epsilon.total;
    budgets.push({ dataset: grant.name, period, total, spent, left: Math.max(0, round6(total - spent)) });
  }
  return budgets;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Checks a license document against the world it is granted in: the operator exists, is an active
 * operator and is approved for the purpose; each dataset is in the catalog, column narrowing names
 * its columns, and grade 3/4 datasets carry an ε budget. The schema itself already keeps every
 * rule at least as strict as the manifest's.
 */
export async function assertLicenseGrantable(tx: SqlExecutor, license: License): Promise<void> {
  // The operator's row is locked: an exit committing meanwhile (which revokes every license in
  // force) waits for this grant, or this grant sees the operator revoked.
  const operators = await tx.query<{ role: string; status: string; qualification: string | null }>(
    `SELECT role, status, qualification FROM principals WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
    [license.operator],
  );
  const operator = operators[0];
  if (operator?.role !== "operator") {
    throw new DomainError("BAD_REQUEST", `no operator ${license.operator}`);
  }
  if (operator.status !== "active") {
    throw new DomainError("CONFLICT", `operator ${license.operator} is ${operator.status}`);
  }
  const approved: unknown = operator.qualification
    ? JSON.parse(operator.qualification).approvedPurposes
    : undefined;
  if (Array.isArray(approved) && !approved.includes(license.purpose)) {
    throw new DomainError(
      "BAD_REQUEST",
      `purpose '${license.purpose}' is not among operator ${license.operator}'s approved purposes`,
    );
  }
  const catalog = new Map((await currentCatalog(tx)).map((e) => [e.manifest.name, e.manifest]));
  for (const grant of license.datasets) {
    const manifest = catalog.get(grant.name);
    if (!manifest) throw new DomainError("BAD_REQUEST", `no dataset ${grant.name} in the catalog`);
    const known = new Set(manifest.columns.map((c) => c.name));
    const rules = new Map(manifest.columns.map((c) => [c.name, c.rule]));
    for (const [column, rule] of Object.entries(grant.columns ?? {})) {
      if (!known.has(column)) {
        throw new DomainError("BAD_REQUEST", `dataset ${grant.name} has no column ${column}`);
      }
      const base = rules.get(column)!;
      if (!ruleTightens(base, rule)) {
        throw new DomainError(
          "BAD_REQUEST",
          `column ${grant.name}.${column} has rule '${base}': a license may only narrow it (to a rule admitting a subset of its uses, e.g. 'deny'), not set '${rule}'`,
        );
      }
    }
    if (manifest.grade >= 3 && !grant.epsilon) {
      throw new DomainError(
        "BAD_REQUEST",
        `dataset ${grant.name} is grade ${manifest.grade}: the license must give it an epsilon budget`,
      );
    }
  }
}

function parseLicense(document: unknown): License {
  const parsed = License.safeParse(document);
  if (!parsed.success) {
    throw new DomainError(
      "BAD_REQUEST",
      `invalid license: ${describeIssues(parsed.error.issues, "(license)")}`,
    );
  }
  return parsed.data;
}

/**
 * Checks a license against the operator and the catalog and stores it, in the caller's
 * transaction, with no audit entry of its own: the caller records why it may grant (a direct grant
 * of grade 1–2 data, or an approved application) with the `license.granted` entry.
 */
export async function insertCheckedLicense(tx: SqlExecutor, license: License): Promise<LicenseDetail> {
  await assertLicenseGrantable(tx, license);
  const exists = new DomainError("CONFLICT", `license ${license.id} exists`);
  if (await findLicense(tx, license.id)) throw exists;
  // A grant of the same id committing meanwhile on another node meets the primary key instead.
  await grantLicense(tx, license).catch((error: unknown) => {
    throw isUniqueViolation(error) ? exists : error;
  });
  return getLicenseDetail(tx, license.id);
}

/** Each dataset a license names, with its grade under the current policy (absent ones left out). */
async function datasetGrades(tx: Read, license: License): Promise<{ name: string; grade: number }[]> {
  const grades = new Map((await currentCatalog(tx)).map((e) => [e.manifest.name, e.manifest.grade]));
  return license.datasets.flatMap((d) => {
    const grade = grades.get(d.name);
    return grade === undefined ? [] : [{ name: d.name, grade }];
  });
}

const describeGrades = (datasets: readonly { name: string; grade: number }[]) =>
  datasets.map((d) => `dataset ${d.name} is grade ${d.grade}`).join("; ");

/** Grants a license after checking it against the operator and the catalog, recorded in the audit log. */
export async function grantCheckedLicense(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  document: License,
): Promise<LicenseDetail> {
  const license = parseLicense(document);
  return auditedChange(store, audit, async (tx) => {
    await assertLicenseGrantable(tx, license);
    const guarded = (await datasetGrades(tx, license)).filter((d) => d.grade >= 3);
    if (guarded.length > 0) {
      // Separation of duties: personal and core data are licensed only after the holder's consent
      // and the bureau's approval (two officers for grade 4), never by one officer alone.
      throw new DomainError(
        "FORBIDDEN",
        `${describeGrades(guarded)}: a license on grade 3 or 4 data is granted only through an application (the operator applies with POST /v1/applications, the holder consents, the bureau approves); direct grants cover grades 1 and 2 only`,
      );
    }
    const after = await insertCheckedLicense(tx, license);
    return {
      result: after,
      event: {
        type: "license.granted",
        actor,
        subject: {
          operator: license.operator,
          license: license.id,
          datasets: license.datasets.map((d) => d.name),
        },
        data: { after: after.license },
      },
    };
  });
}

/**
 * Amends a license: a new document under the same id and operator, checked like a grant. The
 * before and after documents go to the audit log. Revoked and expired licenses are not amended.
 */
export async function amendLicense(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  id: string,
  document: License,
): Promise<LicenseDetail> {
  const license = parseLicense(document);
  if (license.id !== id) throw new DomainError("BAD_REQUEST", "the document's id must equal the license id");
  return auditedChange(store, audit, async (tx) => {
    const { before, after } = await amendCheckedLicense(tx, id, license, async (current) => {
      const loosened = loosenings(
        current.license,
        license,
        (await currentCatalog(tx)).map((e) => e.manifest),
      );
      if (loosened.length > 0) {
        throw new DomainError(
          "FORBIDDEN",
          `this amendment loosens a license on grade 3 or 4 data (${loosened.join("; ")}): the operator amends its application instead (POST /v1/applications/{id}/amend), which the holder and the bureau decide; tightening applies directly`,
        );
      }
    });
    const datasets = [...new Set([...before.license.datasets, ...license.datasets].map((d) => d.name))];
    return {
      result: after,
      event: {
        type: "license.updated",
        actor,
        subject: { operator: license.operator, license: id, datasets },
        data: { action: "amend", before: before.license, after: after.license },
      },
    };
  });
}

/**
 * Replaces a license's document in the caller's transaction, its row locked, after the checks a
 * grant makes and `guard` (the caller's own rule on what may change); no audit entry of its own.
 */
export async function amendCheckedLicense(
  tx: SqlExecutor,
  id: string,
  license: License,
  guard: (before: LicenseDetail) => Promise<void> = async () => undefined,
): Promise<{ before: LicenseDetail; after: LicenseDetail }> {
  const before = await lockedLicense(tx, id);
  if (before.status === "revoked" || before.status === "expired") {
    throw new DomainError("CONFLICT", `license ${id} is ${before.status}: grant a new one`);
  }
  if (license.operator !== before.license.operator) {
    throw new DomainError("BAD_REQUEST", "a license cannot move to another operator");
  }
  await assertLicenseGrantable(tx, license);
  await guard(before);
  await tx.run("UPDATE licenses SET document = $2, updated_at = $3 WHERE id = $1", [
    id,
    JSON.stringify(license),
    new Date().toISOString(),
  ]);
  return { before, after: await getLicenseDetail(tx, id) };
}

/**
 * What an amendment from `before` to `after` loosens on grade 3 and 4 data, in words (empty when it
 * only tightens or touches grade 1–2 data alone). Loosening: a grade 3/4 dataset added; a column
 * rule, group size, contribution bound or ε budget less strict; and, while the license names grade
 * 3/4 data, a later end, an earlier start, another purpose, a larger or dropped quota, or release
 * without review.
 */
export function loosenings(before: License, after: License, manifests: readonly DatasetManifest[]): string[] {
  const guarded = new Set(manifests.filter((m) => m.grade >= 3).map((m) => m.name));
  const was = licensedViews(before, manifests);
  const now = licensedViews(after, manifests);
  const found: string[] = [];
  for (const [name, view] of now) {
    if (!guarded.has(name)) continue;
    const old = was.get(name);
    if (!old) {
      found.push(`adds dataset ${name}`);
      continue;
    }
    for (const [column, rule] of view.rules) {
      const oldRule = old.rules.get(column);
      if (oldRule !== undefined && !ruleTightens(oldRule, rule)) {
        found.push(`loosens column ${name}.${column}`);
      }
    }
    if (view.minGroupSize < old.minGroupSize) found.push(`lowers the minimum group size of ${name}`);
    if (view.maxContributionsPerUnit > old.maxContributionsPerUnit) {
      found.push(`raises the contribution bound of ${name}`);
    }
    const [e0, e1] = [old.epsilon, view.epsilon];
    if (e0 && (!e1 || e1.total > e0.total || e1.perQuery > e0.perQuery || e1.period !== e0.period)) {
      found.push(`raises or renews the privacy budget of ${name}`);
    }
  }
  if (![...now.keys()].some((name) => guarded.has(name))) return found;
  if (after.purpose !== before.purpose) found.push("changes the purpose");
  if (Date.parse(after.validFrom) < Date.parse(before.validFrom)) found.push("starts earlier");
  if (Date.parse(after.validTo) > Date.parse(before.validTo)) found.push("ends later");
  for (const key of Object.keys(LicenseQuotas.shape) as (keyof LicenseQuotas)[]) {
    const [q0, q1] = [before.quotas[key], after.quotas[key]];
    if (q0 !== undefined && (q1 === undefined || q1 > q0)) found.push(`raises quota ${key}`);
  }
  if (before.releaseMode === "review" && after.releaseMode === "auto")
    found.push("drops the review of outputs");
  return found;
}

/** What the bureau can do to a license in force; revoked and expired are final. */
export const LicenseAction = ["suspend", "reinstate", "revoke", "expire"] as const;
export type LicenseAction = (typeof LicenseAction)[number];

const LICENSE_TRANSITIONS: Readonly<
  Record<LicenseAction, { from: readonly LicenseStatus[]; to: LicenseStatus; event: string }>
> = {
  suspend: { from: ["active"], to: "suspended", event: "license.suspended" },
  reinstate: { from: ["suspended"], to: "active", event: "license.reinstated" },
  revoke: { from: ["active", "suspended"], to: "revoked", event: "license.revoked" },
  // The ledger has no type of its own for expiry: `data.action` names it.
  expire: { from: ["active", "suspended"], to: "expired", event: "license.updated" },
};

/** Suspends, reinstates, revokes or expires a license with the bureau's reason. */
export async function changeLicenseStatus(
  store: Pick<SqlStore, "transaction">,
  audit: AuditSink,
  actor: string,
  id: string,
  action: LicenseAction,
  reason: string,
): Promise<LicenseDetail> {
  const transition = LICENSE_TRANSITIONS[action];
  return auditedChange(store, audit, async (tx) => {
    const before = await lockedLicense(tx, id);
    if (!transition.from.includes(before.status)) {
      throw new DomainError("CONFLICT", `license ${id} is ${before.status}: cannot ${action}`);
    }
    await tx.run("UPDATE licenses SET status = $2, status_reason = $3, updated_at = $4 WHERE id = $1", [
      id,
      transition.to,
      reason,
      new Date().toISOString(),
    ]);
    const after = await getLicenseDetail(tx, id);
    return {
      result: after,
      event: {
        type: transition.event,
        actor,
        subject: {
          operator: after.license.operator,
          license: id,
          datasets: after.license.datasets.map((d) => d.name),
        },
        data: {
          action,
          reason,
          before: { status: before.status, statusReason: before.statusReason },
          after: { status: after.status, statusReason: after.statusReason },
        },
      },
    };
  });
}
