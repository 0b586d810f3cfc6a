import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DomainError, describeIssues } from "../policies/errors.ts";
import { License, type LicenseQuotas } from "../policies/license.ts";
import { Timestamp } from "../policies/timestamp.ts";
import { compareText, sqlDialect } from "../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../storage/sql-store.ts";
import type { AuditEvent, AuditSink } from "./audit-sink.ts";
import { type Actor, requireActor } from "./authority.ts";
import { notify } from "./inbox.ts";
import { usageReport } from "./metering.ts";
import { changeOperatorStatusIn, getOperator, type Operator } from "./operators.ts";

/**
 * Operators' credit (信用): violations recorded by the system (from risk alerts and the release
 * gate) or by a bureau officer with evidence; a score computed from the violations that still
 * count; penalties applied and lifted automatically as the score crosses thresholds; objections
 * decided by an officer; repair after a period without violations; exit. The rules are in
 * docs/credit.md; `DEFAULT_CREDIT_RULES` holds their numbers.
 */

export const ViolationKind = z.enum([
  "policy_refusals",
  "budget_exhaustion",
  "release_gate_flag",
  "differencing",
  "officer_finding",
]);
export type ViolationKind = z.infer<typeof ViolationKind>;

export const Severity = z.enum(["minor", "major", "severe"]);
export type Severity = z.infer<typeof Severity>;

/** Penalties in rising order; exit is not among them: it is an officer's decision only. */
export const PenaltyLevel = z.enum(["none", "warning", "quota_cut", "suspension"]);
export type PenaltyLevel = z.infer<typeof PenaltyLevel>;
const RANK: Readonly<Record<PenaltyLevel, number>> = { none: 0, warning: 1, quota_cut: 2, suspension: 3 };

/** The numbers of the credit rules (docs/credit.md). */
export interface CreditRules {
  /** Points each severity takes off the score of 100. */
  readonly points: Readonly<Record<Severity, number>>;
  /** At or below this score the operator's licenses' quotas are cut. */
  readonly quotaCutAt: number;
  /** At or below this score the operator's licenses are suspended. */
  readonly suspensionAt: number;
  /** Days without a new violation after which the violations before stop counting. */
  readonly repairDays: number;
  /** A cut multiplies each job and query quota by `share`; an unset quota becomes the cap given. */
  readonly quotaCut: { readonly share: number; readonly jobsPerDay: number; readonly queriesPerJob: number };
}

export const DEFAULT_CREDIT_RULES: CreditRules = {
  points: { minor: 10, major: 20, severe: 40 },
  quotaCutAt: 60,
  suspensionAt: 30,
  repairDays: 90,
  quotaCut: { share: 0.5, jobsPerDay: 20, queriesPerJob: 50 },
};

const DAY_MS = 86_400_000;

export const ViolationEvidence = z.object({
  /** What the officer found, in words (ids and states, never data values). */
  text: z.string().nullable(),
  /** Audit log positions of the entries behind it. */
  entries: z.array(z.number().int()),
  /** Jobs behind it. */
  jobs: z.array(z.string()),
  /** The risk alert it was recorded from. */
  alert: z.string().nullable(),
});
export type ViolationEvidence = z.infer<typeof ViolationEvidence>;

export const ViolationView = z.object({
  id: z.string(),
  operator: z.string(),
  kind: ViolationKind,
  severity: Severity,
  points: z.number().int(),
  /** `system`, or the id of the officer who recorded it. */
  source: z.string(),
  summary: z.string(),
  evidence: ViolationEvidence,
  recordedAt: Timestamp,
  /** The penalty in force right after it was recorded. */
  penalty: PenaltyLevel,
  /** standing: counts against the score; repaired: a period without violations followed it; annulled: an objection was upheld. */
  status: z.enum(["standing", "repaired", "annulled"]),
  /** When a standing violation stops counting if no other follows; null otherwise. */
  repairsAt: Timestamp.nullable(),
  objection: z.object({ reason: z.string(), filedAt: Timestamp }).nullable(),
  decision: z
    .object({
      outcome: z.enum(["upheld", "dismissed"]),
      reason: z.string(),
      decidedBy: z.string(),
      decidedAt: Timestamp,
    })
    .nullable(),
});
export type ViolationView = z.infer<typeof ViolationView>;

const QuotaPair = z.object({
  jobsPerDay: z.number().int().nullable(),
  queriesPerJob: z.number().int().nullable(),
});
const QuotaCut = z.object({ license: z.string(), before: QuotaPair, after: QuotaPair });
type QuotaCut = z.infer<typeof QuotaCut>;
const CreditSuspension = z.object({ license: z.string(), reason: z.string() });
type CreditSuspension = z.infer<typeof CreditSuspension>;

export const CreditRecord = z.object({
  operator: z.string(),
  operatorStatus: z.enum(["active", "suspended", "revoked"]),
  /** 100 minus the points of the standing violations, at least 0. */
  score: z.number().int(),
  /** The penalty the rules give that score now. */
  level: PenaltyLevel,
  /** The penalty in force (it follows `level` when violations are recorded or decided, and at the next repair sweep). */
  penalty: z.object({
    level: PenaltyLevel,
    since: Timestamp.nullable(),
    quotaCuts: z.array(QuotaCut),
    suspendedLicenses: z.array(z.string()),
  }),
  rules: z.object({
    points: z.object({ minor: z.number(), major: z.number(), severe: z.number() }),
    quotaCutAt: z.number(),
    suspensionAt: z.number(),
    repairDays: z.number(),
  }),
  /** Newest first. */
  violations: z.array(ViolationView),
});
export type CreditRecord = z.infer<typeof CreditRecord>;

export const ViolationRequest = z
  .object({
    kind: ViolationKind.default("officer_finding"),
    severity: Severity,
    summary: z.string().trim().min(1).max(500),
    evidence: z
      .object({
        text: z.string().trim().min(1).max(4000),
        jobs: z.array(z.string().min(1).max(100)).max(200).default([]),
        entries: z.array(z.number().int().min(0)).max(200).default([]),
      })
      .strict()
      .refine((e) => e.jobs.length + e.entries.length > 0, {
        message: "name at least one job id or audit log position",
        path: ["jobs"],
      }),
  })
  .strict();
export type ViolationRequest = z.input<typeof ViolationRequest>;

export const ObjectionRequest = z.object({ reason: z.string().trim().min(1).max(4000) }).strict();
export const ObjectionDecision = z
  .object({ decision: z.enum(["upheld", "dismissed"]), reason: z.string().trim().min(1).max(4000) })
  .strict();
export type ObjectionDecision = z.infer<typeof ObjectionDecision>;
export const ExitRequest = z.object({ reason: z.string().trim().min(1).max(4000) }).strict();

export interface CreditDeps {
  readonly store: Pick<SqlStore, "transaction" | "query">;
  readonly audit: AuditSink;
  readonly now?: () => Date;
  readonly rules?: Partial<CreditRules>;
}

const rulesOf = (deps: { rules?: Partial<CreditRules> }): CreditRules => ({
  ...DEFAULT_CREDIT_RULES,
  ...deps.rules,
});

type Read = Pick<SqlExecutor, "query">;

interface ViolationRow {
  id: string;
  operator_id: string;
  kind: ViolationKind;
  severity: Severity;
  points: number | string;
  source: string;
  summary: string;
  evidence: string;
  recorded_at: string;
  penalty: PenaltyLevel;
  status: "standing" | "annulled";
  objection: string | null;
  objected_at: string | null;
  decision: "upheld" | "dismissed" | null;
  decision_reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
}
const V_COLUMNS =
  "id, operator_id, kind, severity, points, source, summary, evidence, recorded_at, penalty, status, objection, objected_at, decision, decision_reason, decided_by, decided_at";

const byTime = (a: ViolationRow, b: ViolationRow) =>
  compareText(a.recorded_at, b.recorded_at) || compareText(a.id, b.id);

/**
 * Which violations count at `now`, and when they stop. Annulled ones never count, nor do they
 * count as "a new violation". A violation stops counting once `repairDays` pass with no later
 * one; a run of violations, each within the period of the one before, is repaired together.
 */
export function standing(
  rows: readonly Pick<ViolationRow, "id" | "recorded_at" | "status">[],
  now: Date,
  rules: Pick<CreditRules, "repairDays">,
): Map<string, { counts: boolean; repairsAt: string | null }> {
  const period = rules.repairDays * DAY_MS;
  const at = now.getTime();
  const live = rows
    .filter((r) => r.status === "standing" && Date.parse(r.recorded_at) <= at)
    .sort((a, b) => compareText(a.recorded_at, b.recorded_at) || compareText(a.id, b.id));
  const result = new Map<string, { counts: boolean; repairsAt: string | null }>();
  let run: string[] = [];
  for (const [i, row] of live.entries()) {
    run.push(row.id);
    const next = live[i + 1];
    const gapEnd = next ? Date.parse(next.recorded_at) : at;
    if (gapEnd - Date.parse(row.recorded_at) >= period) {
      for (const id of run) result.set(id, { counts: false, repairsAt: null });
      run = [];
    }
  }
  const last = live.at(-1);
  const repairsAt = last ? new Date(Date.parse(last.recorded_at) + period).toISOString() : null;
  for (const id of run) result.set(id, { counts: true, repairsAt });
  return result;
}

/** The score and the penalty the rules give it. */
export function scoreOf(
  rows: readonly ViolationRow[],
  now: Date,
  rules: CreditRules,
): { score: number; level: PenaltyLevel } {
  const counting = standing(rows, now, rules);
  const live = rows.filter((r) => counting.get(r.id)?.counts);
  const score = Math.max(0, 100 - live.reduce((sum, r) => sum + Number(r.points), 0));
  const level: PenaltyLevel =
    score <= rules.suspensionAt
      ? "suspension"
      : score <= rules.quotaCutAt
        ? "quota_cut"
        : live.length > 0
          ? "warning"
          : "none";
  return { score, level };
}

function toView(row: ViolationRow, status: ReturnType<typeof standing>): ViolationView {
  const state = status.get(row.id);
  return {
    id: row.id,
    operator: row.operator_id,
    kind: row.kind,
    severity: row.severity,
    points: Number(row.points),
    source: row.source,
    summary: row.summary,
    evidence: ViolationEvidence.parse(JSON.parse(row.evidence)),
    recordedAt: row.recorded_at,
    penalty: row.penalty,
    status: row.status === "annulled" ? "annulled" : state?.counts === false ? "repaired" : "standing",
    repairsAt: state?.counts ? state.repairsAt : null,
    objection: row.objection !== null ? { reason: row.objection, filedAt: row.objected_at ?? "" } : null,
    decision:
      row.decision !== null
        ? {
            outcome: row.decision,
            reason: row.decision_reason ?? "",
            decidedBy: row.decided_by ?? "",
            decidedAt: row.decided_at ?? "",
          }
        : null,
  };
}

async function violationsOf(tx: Read, operatorId: string): Promise<ViolationRow[]> {
  return (
    await tx.query<ViolationRow>(`SELECT ${V_COLUMNS} FROM credit_violations WHERE operator_id = $1`, [
      operatorId,
    ])
  ).sort(byTime);
}

// ── what the system records ─────────────────────────────────────────────────

/** What the system sees that may be a violation: a risk alert raised, or the release gate's decision on a job. */
export type SystemSignal =
  | { readonly source: "alert"; readonly rule: string }
  | {
      readonly source: "gate";
      readonly outcome: string;
      readonly reasons: readonly { readonly code: string }[];
    };

/**
 * The one place that decides which signals are violations, of which kind and severity. A burst of
 * refused queries (probing the rules) and a differencing pattern (isolating a person) are major;
 * burning a budget fast is minor (it may be a legitimate heavy month). A gate rejection counts
 * only when an output carried a value the domain holds as an identifier (an attempted
 * disclosure); other rejections are malformed outputs, and holds are the reviewers' business
 * (a reviewer records a finding by hand). Failed sign-ins are not the operator's act: whoever
 * guesses at its key is not necessarily the operator.
 */
export function systemViolationOf(
  signal: SystemSignal,
): { readonly kind: ViolationKind; readonly severity: Severity } | undefined {
  if (signal.source === "alert") {
    switch (signal.rule) {
      case "refusal_burst":
        return { kind: "policy_refusals", severity: "major" };
      case "differencing":
        return { kind: "differencing", severity: "major" };
      case "budget_burn":
        return { kind: "budget_exhaustion", severity: "minor" };
      default:
        return undefined;
    }
  }
  if (signal.outcome === "rejected" && signal.reasons.some((r) => r.code === "identifier_in_domain"))
    return { kind: "release_gate_flag", severity: "major" };
  return undefined;
}

/**
 * Records the violation a risk alert stands for, in the transaction that raises the alert
 * (control/alerts.ts): evidence is the alert and its entries (and the jobs they belong to).
 * Nothing for an alert that is no violation or names no operator.
 */
export async function recordAlertViolation(
  tx: SqlExecutor,
  audit: AuditSink,
  alert: {
    readonly id: string;
    readonly rule: string;
    readonly operator: string | null;
    readonly summary: string;
    readonly entries: readonly number[];
  },
  options: { readonly now?: Date; readonly rules?: Partial<CreditRules> } = {},
): Promise<ViolationView | undefined> {
  const decided = systemViolationOf({ source: "alert", rule: alert.rule });
  if (!decided || !alert.operator) return undefined;
  // One incident is one violation: while an alert of this rule for this operator is still open
  // (not yet dealt with by the bureau), the same rule firing for its other datasets or licenses
  // (budget burn is judged per license and dataset) adds alerts for the bureau to read, not
  // violations. Otherwise one busy day on six datasets would cost a quota cut.
  const earlier = await tx.query<{ id: string }>(
    `SELECT v.id FROM credit_violations v JOIN alerts a ON v.origin = 'alert:' || a.id
     WHERE v.operator_id = $1 AND v.kind = $2 AND v.status = 'standing' AND a.status = 'open'
       AND a.rule = $3 AND a.id <> $4`,
    [alert.operator, decided.kind, alert.rule, alert.id],
  );
  if (earlier.length > 0) return undefined;
  return insertViolation(
    tx,
    audit,
    {
      operatorId: alert.operator,
      ...decided,
      source: "system",
      origin: `alert:${alert.id}`,
      summary: `risk alert ${alert.id} (${alert.rule}): ${alert.summary}`,
      evidence: {
        text: null,
        entries: [...alert.entries],
        jobs: await jobsOfEntries(tx, alert.entries),
        alert: alert.id,
      },
    },
    options.now ?? new Date(),
    rulesOf(options),
  );
}

/**
 * Records the violation a `job.gate` entry stands for (read by the rules over the log, once per
 * entry); evidence is that entry and its job.
 */
export async function recordGateViolation(
  tx: SqlExecutor,
  audit: AuditSink,
  entry: { readonly position: number | string; readonly operator: string | null; readonly line: string },
  options: { readonly now?: Date; readonly rules?: Partial<CreditRules> } = {},
): Promise<ViolationView | undefined> {
  const parsed = JSON.parse(entry.line) as {
    subjects?: { job?: string };
    data?: { outcome?: string; reasons?: { code: string }[] };
  };
  const job = parsed.subjects?.job;
  const reasons = parsed.data?.reasons ?? [];
  const decided = systemViolationOf({ source: "gate", outcome: parsed.data?.outcome ?? "", reasons });
  if (!decided || !entry.operator || !job) return undefined;
  const flagged = reasons.filter((r) => r.code === "identifier_in_domain").length;
  return insertViolation(
    tx,
    audit,
    {
      operatorId: entry.operator,
      ...decided,
      source: "system",
      origin: `gate:${job}`,
      summary: `the release gate rejected job ${job}: ${flagged} place${flagged === 1 ? "" : "s"} in its outputs held a value the domain keeps as an identifier`,
      evidence: { text: null, entries: [Number(entry.position)], jobs: [job], alert: null },
    },
    options.now ?? new Date(),
    rulesOf(options),
  );
}

async function jobsOfEntries(tx: Read, positions: readonly number[]): Promise<string[]> {
  if (positions.length === 0) return [];
  const jobs = new Set<string>();
  for (let i = 0; i < positions.length; i += 200) {
    const slice = positions.slice(i, i + 200);
    const rows = await tx.query<{ job: string | null }>(
      `SELECT job FROM audit_entries WHERE position IN (${slice.map((_, j) => `$${j + 1}`).join(", ")})`,
      slice,
    );
    for (const row of rows) if (row.job) jobs.add(row.job);
  }
  return [...jobs].sort(compareText);
}

interface NewViolation {
  readonly operatorId: string;
  readonly kind: ViolationKind;
  readonly severity: Severity;
  readonly source: string;
  readonly origin: string | null;
  readonly summary: string;
  readonly evidence: ViolationEvidence;
}

/**
 * Writes a violation, its entry and the operator's notification, then brings the penalty in line
 * with the new score, all in `tx`. A system violation whose origin is already recorded is skipped.
 */
async function insertViolation(
  tx: SqlExecutor,
  audit: AuditSink,
  violation: NewViolation,
  now: Date,
  rules: CreditRules,
): Promise<ViolationView | undefined> {
  const operator = await tx.query<{ id: string }>(
    "SELECT id FROM principals WHERE id = $1 AND role = 'operator'",
    [violation.operatorId],
  );
  if (!operator[0]) return undefined;
  if (violation.origin !== null) {
    const seen = await tx.query("SELECT id FROM credit_violations WHERE origin = $1", [violation.origin]);
    if (seen.length > 0) return undefined;
  }
  const id = `vio_${randomUUID()}`;
  const at = now.toISOString();
  const points = rules.points[violation.severity];
  await tx.run(
    `INSERT INTO credit_violations (id, operator_id, kind, severity, points, source, origin, summary, evidence, recorded_at, penalty, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'none', 'standing')`,
    [
      id,
      violation.operatorId,
      violation.kind,
      violation.severity,
      points,
      violation.source,
      violation.origin,
      violation.summary,
      JSON.stringify(violation.evidence),
      at,
    ],
  );
  await audit.appendIn(tx, [
    {
      type: "credit.violation_recorded",
      actor: violation.source,
      subject: { operator: violation.operatorId },
      data: {
        violation: id,
        kind: violation.kind,
        severity: violation.severity,
        points,
        summary: violation.summary,
        evidence: violation.evidence,
      },
    },
  ]);
  await notify(
    tx,
    { principals: [violation.operatorId] },
    {
      kind: "credit.violation",
      subject: { violation: id, operator: violation.operatorId },
      message: `a ${violation.severity} violation (${violation.kind}, ${points} points) was recorded on your credit record as ${id}; see GET /v1/operators/${violation.operatorId}/credit, and object within the record with POST /v1/violations/${id}/objection`,
    },
    { at: now },
  );
  const { level } = await settlePenalty(tx, audit, violation.operatorId, now, rules, `violation ${id}`);
  await tx.run("UPDATE credit_violations SET penalty = $2 WHERE id = $1", [id, level]);
  const rows = await violationsOf(tx, violation.operatorId);
  return toView(rows.find((r) => r.id === id)!, standing(rows, now, rules));
}

// ── penalties ───────────────────────────────────────────────────────────────

interface PenaltyRow {
  operator_id: string;
  level: PenaltyLevel;
  quota_cuts: string;
  suspended_licenses: string;
  changed_at: string;
}

const quotaPair = (quotas: LicenseQuotas) => ({
  jobsPerDay: quotas.jobsPerDay ?? null,
  queriesPerJob: quotas.queriesPerJob ?? null,
});

const withQuotas = (license: License, pair: z.infer<typeof QuotaPair>): License => {
  const quotas: LicenseQuotas = { ...license.quotas };
  for (const key of ["jobsPerDay", "queriesPerJob"] as const) {
    const value = pair[key];
    if (value === null) delete quotas[key];
    else quotas[key] = value;
  }
  return License.parse({ ...license, quotas });
};

/**
 * Brings the penalty in force on an operator in line with its score at `now`, in `tx`: cuts or
 * restores its licenses' quotas, suspends or reinstates the licenses the rules suspended, with an
 * entry for each change and a notification to the operator and the bureau. The penalty row is
 * locked first, so changes of one operator's credit take turns. Nothing for a revoked operator.
 */
async function settlePenalty(
  tx: SqlExecutor,
  audit: AuditSink,
  operatorId: string,
  now: Date,
  rules: CreditRules,
  cause: string,
): Promise<{ level: PenaltyLevel; score: number; changed: boolean }> {
  const at = now.toISOString();
  await tx.run(
    `INSERT INTO credit_penalties (operator_id, level, quota_cuts, suspended_licenses, changed_at)
     VALUES ($1, 'none', '[]', '[]', $2) ON CONFLICT (operator_id) DO NOTHING`,
    [operatorId, at],
  );
  const locked = await tx.query<PenaltyRow>(
    `SELECT * FROM credit_penalties WHERE operator_id = $1${sqlDialect.forUpdate(tx.dialect)}`,
    [operatorId],
  );
  const row = locked[0]!;
  const { score, level } = scoreOf(await violationsOf(tx, operatorId), now, rules);
  const status = await tx.query<{ status: string }>("SELECT status FROM principals WHERE id = $1", [
    operatorId,
  ]);
  if (status[0]?.status === "revoked" || level === row.level)
    return { level: row.level, score, changed: false };

  const from = row.level;
  let cuts = z.array(QuotaCut).parse(JSON.parse(row.quota_cuts));
  let suspended = z.array(CreditSuspension).parse(JSON.parse(row.suspended_licenses));
  const events: AuditEvent[] = [];
  const changes: Record<string, unknown> = {};
  if (RANK[level] >= RANK.quota_cut && RANK[from] < RANK.quota_cut) {
    cuts = await cutQuotas(tx, operatorId, rules, at, events);
    changes.quotaCuts = cuts;
  }
  if (RANK[level] >= RANK.suspension && RANK[from] < RANK.suspension) {
    suspended = await suspendLicenses(tx, operatorId, score, at, events);
    changes.suspendedLicenses = suspended.map((s) => s.license);
  }
  if (RANK[level] < RANK.suspension && RANK[from] >= RANK.suspension) {
    changes.reinstatedLicenses = await reinstateLicenses(tx, suspended, at, events);
    suspended = [];
  }
  if (RANK[level] < RANK.quota_cut && RANK[from] >= RANK.quota_cut) {
    changes.restoredQuotas = await restoreQuotas(tx, cuts, at, events);
    cuts = [];
  }
  await tx.run(
    "UPDATE credit_penalties SET level = $2, quota_cuts = $3, suspended_licenses = $4, changed_at = $5 WHERE operator_id = $1",
    [operatorId, level, JSON.stringify(cuts), JSON.stringify(suspended), at],
  );
  events.push({
    type: "credit.penalty_changed",
    actor: "system",
    subject: { operator: operatorId },
    data: { from, to: level, score, cause, ...changes },
  });
  await audit.appendIn(tx, events);
  const rising = RANK[level] > RANK[from];
  // The bureau hears of penalties that change licenses; a warning concerns the operator alone.
  const touchesLicenses = Math.max(RANK[level], RANK[from]) >= RANK.quota_cut;
  await notify(
    tx,
    { principals: [operatorId], roles: touchesLicenses ? ["bureau"] : [] },
    {
      kind: "credit.penalty",
      subject: { operator: operatorId },
      message: `the credit penalty on operator ${operatorId} ${rising ? "rose" : "fell"} from ${from} to ${level} (score ${score}, ${cause}); see GET /v1/operators/${operatorId}/credit`,
    },
    { at: now },
  );
  return { level, score, changed: true };
}

/** Cuts the job and query quotas of every license in force; answers what each was and became. */
async function cutQuotas(
  tx: SqlExecutor,
  operatorId: string,
  rules: CreditRules,
  at: string,
  events: AuditEvent[],
): Promise<QuotaCut[]> {
  const rows = await tx.query<{ id: string; document: string }>(
    `SELECT id, document FROM licenses WHERE operator_id = $1 AND status IN ('active', 'suspended')${sqlDialect.forUpdate(tx.dialect)}`,
    [operatorId],
  );
  const cut = (value: number | null, cap: number) =>
    value === null ? cap : Math.max(1, Math.floor(value * rules.quotaCut.share));
  const cuts: QuotaCut[] = [];
  for (const row of rows.sort((a, b) => compareText(a.id, b.id))) {
    const license = License.parse(JSON.parse(row.document));
    const before = quotaPair(license.quotas);
    const after = {
      jobsPerDay: cut(before.jobsPerDay, rules.quotaCut.jobsPerDay),
      queriesPerJob: cut(before.queriesPerJob, rules.quotaCut.queriesPerJob),
    };
    const changed = withQuotas(license, after);
    await tx.run("UPDATE licenses SET document = $2, updated_at = $3 WHERE id = $1", [
      row.id,
      JSON.stringify(changed),
      at,
    ]);
    cuts.push({ license: row.id, before, after });
    events.push({
      type: "license.updated",
      actor: "system",
      subject: { operator: operatorId, license: row.id, datasets: license.datasets.map((d) => d.name) },
      data: { action: "credit_quota_cut", before: license, after: changed },
    });
  }
  return cuts;
}

/**
 * Gives back the quotas a cut took, each where it still has the value the cut set (a quota the
 * bureau changed since stays as the bureau set it). Answers the licenses restored.
 */
async function restoreQuotas(
  tx: SqlExecutor,
  cuts: readonly QuotaCut[],
  at: string,
  events: AuditEvent[],
): Promise<string[]> {
  const restored: string[] = [];
  for (const cut of cuts) {
    const rows = await tx.query<{ document: string; status: string; operator_id: string }>(
      `SELECT document, status, operator_id FROM licenses WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
      [cut.license],
    );
    const row = rows[0];
    if (!row || (row.status !== "active" && row.status !== "suspended")) continue;
    const license = License.parse(JSON.parse(row.document));
    const now = quotaPair(license.quotas);
    const back = {
      jobsPerDay: now.jobsPerDay === cut.after.jobsPerDay ? cut.before.jobsPerDay : now.jobsPerDay,
      queriesPerJob:
        now.queriesPerJob === cut.after.queriesPerJob ? cut.before.queriesPerJob : now.queriesPerJob,
    };
    if (back.jobsPerDay === now.jobsPerDay && back.queriesPerJob === now.queriesPerJob) continue;
    const changed = withQuotas(license, back);
    await tx.run("UPDATE licenses SET document = $2, updated_at = $3 WHERE id = $1", [
      cut.license,
      JSON.stringify(changed),
      at,
    ]);
    restored.push(cut.license);
    events.push({
      type: "license.updated",
      actor: "system",
      subject: {
        operator: row.operator_id,
        license: cut.license,
        datasets: license.datasets.map((d) => d.name),
      },
      data: { action: "credit_quota_restored", before: license, after: changed },
    });
  }
  return restored;
}

/**
 * Suspends the operator's active licenses: its jobs are refused (LICENSE_INVALID) and queued ones
 * do not start, while its key still works, so that it can read its record and object.
 */
async function suspendLicenses(
  tx: SqlExecutor,
  operatorId: string,
  score: number,
  at: string,
  events: AuditEvent[],
): Promise<CreditSuspension[]> {
  const reason = `suspended by the credit rules (score ${score}); lifted when the score recovers, see GET /v1/operators/${operatorId}/credit`;
  const rows = await tx.query<{ id: string; document: string }>(
    `UPDATE licenses SET status = 'suspended', status_reason = $2, updated_at = $3
     WHERE operator_id = $1 AND status = 'active' RETURNING id, document`,
    [operatorId, reason, at],
  );
  const suspended: CreditSuspension[] = [];
  for (const row of rows.sort((a, b) => compareText(a.id, b.id))) {
    suspended.push({ license: row.id, reason });
    events.push({
      type: "license.suspended",
      actor: "system",
      subject: {
        operator: operatorId,
        license: row.id,
        datasets: License.parse(JSON.parse(row.document)).datasets.map((d) => d.name),
      },
      data: {
        action: "suspend",
        reason,
        before: { status: "active", statusReason: null },
        after: { status: "suspended", statusReason: reason },
      },
    });
  }
  return suspended;
}

/** Reinstates the licenses the rules suspended that are still suspended for that reason alone. */
async function reinstateLicenses(
  tx: SqlExecutor,
  suspended: readonly CreditSuspension[],
  at: string,
  events: AuditEvent[],
): Promise<string[]> {
  const reinstated: string[] = [];
  for (const { license, reason } of suspended) {
    const rows = await tx.query<{ operator_id: string; document: string }>(
      `UPDATE licenses SET status = 'active', status_reason = NULL, updated_at = $3
       WHERE id = $1 AND status = 'suspended' AND status_reason = $2 RETURNING operator_id, document`,
      [license, reason, at],
    );
    const row = rows[0];
    if (!row) continue;
    reinstated.push(license);
    events.push({
      type: "license.reinstated",
      actor: "system",
      subject: {
        operator: row.operator_id,
        license,
        datasets: License.parse(JSON.parse(row.document)).datasets.map((d) => d.name),
      },
      data: {
        action: "reinstate",
        reason: "the credit score recovered",
        before: { status: "suspended", statusReason: reason },
        after: { status: "active", statusReason: null },
      },
    });
  }
  return reinstated;
}

/**
 * Lifts penalties that repair has outgrown: every operator whose penalty in force is above what
 * its score now gives is brought down (the server runs this with the alert rules). Answers the
 * operators whose penalty changed.
 */
export async function repairCredit(deps: CreditDeps): Promise<string[]> {
  const now = deps.now?.() ?? new Date();
  const rules = rulesOf(deps);
  const rows = await deps.store.query<{ operator_id: string }>(
    "SELECT operator_id FROM credit_penalties WHERE level <> 'none'",
  );
  const changed: string[] = [];
  for (const { operator_id: operatorId } of rows.sort((a, b) => compareText(a.operator_id, b.operator_id))) {
    const result = await deps.store.transaction((tx) =>
      settlePenalty(tx, deps.audit, operatorId, now, rules, "repair: a period without violations"),
    );
    if (result.changed) changed.push(operatorId);
  }
  return changed;
}

// ── the verbs people use ────────────────────────────────────────────────────

/** The operator's credit record (bureau, auditors, and the operator itself; another's answers 404). */
export async function creditRecord(
  store: Read,
  actor: Actor,
  operatorId: string,
  options: { readonly now?: Date; readonly rules?: Partial<CreditRules> } = {},
): Promise<CreditRecord> {
  requireActor(actor, ["bureau", "auditor", "operator"], "read a credit record");
  if (actor.role === "operator" && actor.id !== operatorId)
    throw new DomainError("NOT_FOUND", `no operator ${operatorId}`);
  const operator = await getOperator(store, operatorId);
  const now = options.now ?? new Date();
  const rules = rulesOf(options);
  const rows = await violationsOf(store, operatorId);
  const status = standing(rows, now, rules);
  const { score, level } = scoreOf(rows, now, rules);
  const penalty = (
    await store.query<PenaltyRow>("SELECT * FROM credit_penalties WHERE operator_id = $1", [operatorId])
  )[0];
  return {
    operator: operatorId,
    operatorStatus: operator.status,
    score,
    level,
    penalty: {
      level: penalty?.level ?? "none",
      since: penalty && penalty.level !== "none" ? penalty.changed_at : null,
      quotaCuts: penalty ? z.array(QuotaCut).parse(JSON.parse(penalty.quota_cuts)) : [],
      suspendedLicenses: penalty
        ? z
            .array(CreditSuspension)
            .parse(JSON.parse(penalty.suspended_licenses))
            .map((s) => s.license)
        : [],
    },
    rules: {
      points: { ...rules.points },
      quotaCutAt: rules.quotaCutAt,
      suspensionAt: rules.suspensionAt,
      repairDays: rules.repairDays,
    },
    violations: [...rows].reverse().map((row) => toView(row, status)),
  };
}

function parseOrExplain<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new DomainError("BAD_REQUEST", `invalid ${what}: ${describeIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

/**
 * An officer records a violation with evidence: what was found, and at least one job of the
 * operator or audit entry about it (checked to exist and to concern that operator).
 */
export async function recordViolation(
  deps: CreditDeps,
  actor: Actor,
  operatorId: string,
  request: ViolationRequest,
): Promise<ViolationView> {
  requireActor(actor, ["bureau"], "record a violation");
  const body = parseOrExplain(ViolationRequest, request, "violation");
  const now = deps.now?.() ?? new Date();
  return deps.store.transaction(async (tx) => {
    const operator = await getOperator(tx, operatorId);
    if (operator.status === "revoked")
      throw new DomainError("CONFLICT", `operator ${operatorId} has exited (revoked); its record is closed`);
    const jobs = [...new Set(body.evidence.jobs)].sort(compareText);
    const entries = [...new Set(body.evidence.entries)].sort((a, b) => a - b);
    if (jobs.length > 0) {
      const found = await tx.query<{ id: string }>(
        `SELECT id FROM jobs WHERE operator_id = $1 AND id IN (${jobs.map((_, i) => `$${i + 2}`).join(", ")})`,
        [operatorId, ...jobs],
      );
      const missing = jobs.filter((j) => !found.some((f) => f.id === j));
      if (missing.length > 0)
        throw new DomainError(
          "BAD_REQUEST",
          `evidence names job${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, not of operator ${operatorId}; name its own jobs`,
        );
    }
    if (entries.length > 0) {
      const found = await tx.query<{ position: number | string }>(
        `SELECT position FROM audit_entries WHERE operator = $1 AND position IN (${entries.map((_, i) => `$${i + 2}`).join(", ")})`,
        [operatorId, ...entries],
      );
      const have = new Set(found.map((f) => Number(f.position)));
      const missing = entries.filter((p) => !have.has(p));
      if (missing.length > 0)
        throw new DomainError(
          "BAD_REQUEST",
          `evidence names audit position${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, which record nothing about operator ${operatorId}; name entries about it (GET /v1/audit?operator=${operatorId})`,
        );
    }
    const recorded = await insertViolation(
      tx,
      deps.audit,
      {
        operatorId,
        kind: body.kind,
        severity: body.severity,
        source: actor.id,
        origin: null,
        summary: body.summary,
        evidence: { text: body.evidence.text, entries, jobs, alert: null },
      },
      now,
      rulesOf(deps),
    );
    return recorded!;
  });
}

async function lockedViolation(tx: SqlExecutor, id: string): Promise<ViolationRow | undefined> {
  const rows = await tx.query<ViolationRow>(
    `SELECT ${V_COLUMNS} FROM credit_violations WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
    [id],
  );
  return rows[0];
}

const viewAfter = async (tx: Read, id: string, operatorId: string, now: Date, rules: CreditRules) => {
  const rows = await violationsOf(tx, operatorId);
  return toView(rows.find((r) => r.id === id)!, standing(rows, now, rules));
};

/** The operator objects to one of its violations, once, with a reason; the bureau is told. */
export async function fileObjection(
  deps: CreditDeps,
  actor: Actor,
  violationId: string,
  request: z.input<typeof ObjectionRequest>,
): Promise<ViolationView> {
  requireActor(actor, ["operator"], "object to a violation");
  const { reason } = parseOrExplain(ObjectionRequest, request, "objection");
  const now = deps.now?.() ?? new Date();
  const at = now.toISOString();
  return deps.store.transaction(async (tx) => {
    const row = await lockedViolation(tx, violationId);
    // Another operator's violation answers exactly like a missing one.
    if (!row || row.operator_id !== actor.id)
      throw new DomainError("NOT_FOUND", `no violation ${violationId} on your record`);
    if (row.objection !== null)
      throw new DomainError(
        "CONFLICT",
        `you objected to ${violationId} at ${row.objected_at}; an objection is filed once (its decision is on your credit record)`,
      );
    await tx.run("UPDATE credit_violations SET objection = $2, objected_at = $3 WHERE id = $1", [
      violationId,
      reason,
      at,
    ]);
    await deps.audit.appendIn(tx, [
      {
        type: "credit.objection_filed",
        actor: actor.id,
        subject: { operator: actor.id },
        data: { violation: violationId, reason },
      },
    ]);
    await notify(
      tx,
      { roles: ["bureau"], ...(row.source === "system" ? {} : { except: row.source }) },
      {
        kind: "credit.objection",
        subject: { violation: violationId, operator: actor.id },
        message: `operator ${actor.id} objects to violation ${violationId}; an officer other than its recorder decides with POST /v1/violations/${violationId}/decision`,
      },
      { at: now },
    );
    return viewAfter(tx, violationId, actor.id, now, rulesOf(deps));
  });
}

/**
 * A bureau officer decides an objection: `upheld` annuls the violation (its points no longer
 * count, and the penalty follows the score back down), `dismissed` keeps it. The officer who
 * recorded the violation may not decide its objection.
 */
export async function decideObjection(
  deps: CreditDeps,
  actor: Actor,
  violationId: string,
  request: ObjectionDecision,
): Promise<ViolationView> {
  requireActor(actor, ["bureau"], "decide an objection");
  const { decision, reason } = parseOrExplain(ObjectionDecision, request, "decision");
  const now = deps.now?.() ?? new Date();
  const at = now.toISOString();
  const rules = rulesOf(deps);
  return deps.store.transaction(async (tx) => {
    const row = await lockedViolation(tx, violationId);
    if (!row) throw new DomainError("NOT_FOUND", `no violation ${violationId}`);
    if (row.source === actor.id)
      throw new DomainError(
        "FORBIDDEN",
        `you recorded violation ${violationId}: another bureau officer decides its objection`,
      );
    if (row.objection === null)
      throw new DomainError("CONFLICT", `violation ${violationId} has no objection to decide`);
    if (row.decision !== null)
      throw new DomainError(
        "CONFLICT",
        `the objection to ${violationId} was ${row.decision} by ${row.decided_by} at ${row.decided_at}`,
      );
    await tx.run(
      `UPDATE credit_violations SET decision = $2, decision_reason = $3, decided_by = $4, decided_at = $5,
       status = $6 WHERE id = $1`,
      [violationId, decision, reason, actor.id, at, decision === "upheld" ? "annulled" : row.status],
    );
    await deps.audit.appendIn(tx, [
      {
        type: "credit.objection_decided",
        actor: actor.id,
        subject: { operator: row.operator_id },
        data: { violation: violationId, decision, reason },
      },
    ]);
    await notify(
      tx,
      { principals: [row.operator_id] },
      {
        kind: "credit.decision",
        subject: { violation: violationId, operator: row.operator_id },
        message: `your objection to violation ${violationId} was ${decision}${decision === "upheld" ? ": the violation is annulled" : ""}; see GET /v1/operators/${row.operator_id}/credit`,
      },
      { at: now },
    );
    if (decision === "upheld")
      await settlePenalty(tx, deps.audit, row.operator_id, now, rules, `objection to ${violationId} upheld`);
    return viewAfter(tx, violationId, row.operator_id, now, rules);
  });
}

/** What an exit did: the operator after it and the settlement of its open period. */
export interface ExitOutcome {
  readonly operator: Operator;
  readonly revokedKeys: string[];
  readonly revokedLicenses: string[];
  readonly settlement: {
    readonly period: string;
    readonly from: string;
    readonly to: string;
    readonly totals: Awaited<ReturnType<typeof usageReport>>["totals"];
  };
}

/**
 * An officer's exit decision (退出): in one transaction, the operator's metered use of its open
 * period (the calendar month so far) is settled as the usage report prices it, its keys and
 * licenses are revoked and the operator marked revoked, and the `operator.exited` entry keeps
 * the reason, what was revoked and the settlement. Every record stays.
 */
export async function exitOperator(
  deps: CreditDeps,
  actor: Actor,
  operatorId: string,
  request: z.input<typeof ExitRequest>,
): Promise<ExitOutcome> {
  requireActor(actor, ["bureau"], "decide an operator's exit");
  const { reason } = parseOrExplain(ExitRequest, request, "exit");
  const now = deps.now?.() ?? new Date();
  const rules = rulesOf(deps);
  return deps.store.transaction(async (tx) => {
    const before = await getOperator(tx, operatorId);
    if (before.status === "revoked")
      throw new DomainError("CONFLICT", `operator ${operatorId} is revoked already (exited or revoked)`);
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const to = now.toISOString();
    const usage = await usageReport(tx, { from, to, groupBy: "month", operator: operatorId });
    const settlement = { period: from.slice(0, 7), from, to, totals: usage.totals };
    const { score } = scoreOf(await violationsOf(tx, operatorId), now, rules);
    const revoked = await changeOperatorStatusIn(tx, actor.id, operatorId, "revoke", `exit: ${reason}`);
    const data = revoked.event.data as { revokedKeys?: string[]; revokedLicenses?: string[] };
    await deps.audit.appendIn(tx, [
      revoked.event,
      {
        type: "operator.exited",
        actor: actor.id,
        subject: { operator: operatorId },
        data: {
          reason,
          revokedKeys: data.revokedKeys ?? [],
          revokedLicenses: data.revokedLicenses ?? [],
          creditScore: score,
          settlement,
        },
      },
    ]);
    await notify(
      tx,
      { principals: [operatorId], roles: ["bureau", "auditor"], except: actor.id },
      {
        kind: "operator.exited",
        subject: { operator: operatorId },
        message: `operator ${operatorId} exited by decision of ${actor.id}: its keys and licenses are revoked; its open period ${settlement.period} was settled at ${settlement.totals.charge} CNY`,
      },
      { at: now },
    );
    return {
      operator: revoked.result,
      revokedKeys: data.revokedKeys ?? [],
      revokedLicenses: data.revokedLicenses ?? [],
      settlement,
    };
  });
}
