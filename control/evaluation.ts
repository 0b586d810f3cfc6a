import { z } from "zod";
import { DomainError } from "../policies/errors.ts";
import { License } from "../policies/license.ts";
import { compareText } from "../storage/sql-dialect.ts";
import type { SqlExecutor } from "../storage/sql-store.ts";
import { type Actor, requireActor } from "./authority.ts";
import { ViolationKind } from "./credit.ts";
import type { GateDecision, JobStatus } from "./jobs/model.ts";
import { getOperator } from "./operators.ts";

/**
 * The periodic evaluation of an operator (运营评估) for any period [from, to): what it ran and what
 * came of it, its violations and objections, its ε use against its grants and the quality issues
 * it reported. Computed from the control plane's tables on each request (one query per family of
 * figures), never cached, so a report for a past period always agrees with the records.
 */

const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export const EvaluationQuery = z.object({ from: Instant, to: Instant }).strict();
export type EvaluationQuery = z.infer<typeof EvaluationQuery>;

export const EvaluationReport = z.object({
  operator: z.string(),
  organization: z.string(),
  from: z.string(),
  to: z.string(),
  /** Jobs submitted in the period, by what became of them (as of the report). */
  jobs: z.object({
    submitted: z.number().int(),
    released: z.number().int(),
    /** Jobs the release gate held for review (whatever the review then decided). */
    heldByGate: z.number().int(),
    /** Still held, awaiting review. */
    heldNow: z.number().int(),
    rejected: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    inProgress: z.number().int(),
  }),
  /** Reviewers' decisions in the period on this operator's jobs. */
  reviews: z.object({ approvals: z.number().int(), rejections: z.number().int() }),
  /** Outputs of the period's jobs: released, and waiting in held jobs. */
  outputs: z.object({ released: z.number().int(), held: z.number().int() }),
  /** Violations recorded in the period. */
  violations: z.object({
    total: z.number().int(),
    byKind: z.record(ViolationKind, z.number().int()),
    bySeverity: z.object({ minor: z.number().int(), major: z.number().int(), severe: z.number().int() }),
    /** Recorded by officers rather than by the system. */
    complaints: z.number().int(),
    annulled: z.number().int(),
  }),
  /** Objections filed in the period, by what became of them. */
  objections: z.object({
    filed: z.number().int(),
    upheld: z.number().int(),
    dismissed: z.number().int(),
    pending: z.number().int(),
  }),
  /** ε charged in the period, per license and dataset, beside the budget granted (per budget period). */
  budget: z.array(
    z.object({
      license: z.string(),
      dataset: z.string(),
      used: z.number(),
      granted: z.object({ total: z.number(), perQuery: z.number(), period: z.string() }).nullable(),
    }),
  ),
  /** Quality issues the operator reported in the period, by their state now. */
  qualityIssues: z.object({ reported: z.number().int(), byStatus: z.record(z.string(), z.number().int()) }),
});
export type EvaluationReport = z.infer<typeof EvaluationReport>;

type Read = Pick<SqlExecutor, "query">;

/** An instant as the store writes times (RFC 3339 UTC with milliseconds; a bare date is midnight UTC). */
const instant = (text: string) => new Date(text).toISOString();

/** The evaluation report of one operator for [from, to) (bureau, auditors; an operator its own). */
export async function evaluationReport(
  store: Read,
  actor: Actor,
  operatorId: string,
  query: EvaluationQuery,
): Promise<EvaluationReport> {
  requireActor(actor, ["bureau", "auditor", "operator"], "read an evaluation report");
  if (actor.role === "operator" && actor.id !== operatorId)
    throw new DomainError("NOT_FOUND", `no operator ${operatorId}`);
  const parsed = EvaluationQuery.safeParse(query);
  if (!parsed.success)
    throw new DomainError(
      "BAD_REQUEST",
      "from and to are RFC 3339 times or dates, e.g. from=2026-11-01&to=2026-12-01",
    );
  const from = instant(parsed.data.from);
  const to = instant(parsed.data.to);
  if (from >= to) throw new DomainError("BAD_REQUEST", `from (${from}) must be before to (${to})`);
  const operator = await getOperator(store, operatorId);
  const range = [operatorId, from, to];

  const jobs = await store.query<{ status: JobStatus; decision: string | null }>(
    "SELECT status, decision FROM jobs WHERE operator_id = $1 AND submitted_at >= $2 AND submitted_at < $3",
    range,
  );
  const count = (status: JobStatus) => jobs.filter((j) => j.status === status).length;
  const gateOutcome = (j: { decision: string | null }) =>
    j.decision ? (JSON.parse(j.decision) as GateDecision).outcome : null;

  // Only the names of outputs are counted; the rows are parsed in the domain and go nowhere.
  const withOutputs = await store.query<{ status: JobStatus; outputs: string | null }>(
    `SELECT status, outputs FROM jobs WHERE operator_id = $1 AND submitted_at >= $2 AND submitted_at < $3
     AND status IN ('released', 'held') AND outputs IS NOT NULL`,
    range,
  );
  const outputsOf = (status: JobStatus) =>
    withOutputs
      .filter((j) => j.status === status)
      .reduce(
        (n, j) => n + Object.keys((JSON.parse(j.outputs!) as { outputs?: object }).outputs ?? {}).length,
        0,
      );

  const reviews = await store.query<{ decision: "approve" | "reject"; n: number | string }>(
    `SELECT r.decision, count(*) AS n FROM reviews r JOIN jobs j ON j.id = r.job_id
     WHERE j.operator_id = $1 AND r.decided_at >= $2 AND r.decided_at < $3 GROUP BY r.decision`,
    range,
  );
  const reviewed = (decision: "approve" | "reject") =>
    Number(reviews.find((r) => r.decision === decision)?.n ?? 0);

  const violations = await store.query<{
    kind: ViolationKind;
    severity: "minor" | "major" | "severe";
    source: string;
    status: string;
    recorded_at: string;
    objected_at: string | null;
    decision: "upheld" | "dismissed" | null;
  }>(
    `SELECT kind, severity, source, status, recorded_at, objected_at, decision FROM credit_violations
     WHERE operator_id = $1 AND ((recorded_at >= $2 AND recorded_at < $3) OR (objected_at >= $2 AND objected_at < $3))`,
    range,
  );
  const recorded = violations.filter((v) => v.recorded_at >= from && v.recorded_at < to);
  const objected = violations.filter(
    (v) => v.objected_at !== null && v.objected_at >= from && v.objected_at < to,
  );
  const byKind = Object.fromEntries(
    ViolationKind.options.map((kind) => [kind, recorded.filter((v) => v.kind === kind).length]),
  ) as Record<ViolationKind, number>;

  const charges = await store.query<{ license_id: string; dataset: string; micro: number | string }>(
    `SELECT c.license_id, c.dataset, sum(c.micro_epsilon) AS micro FROM budget_charges c
     JOIN licenses l ON l.id = c.license_id
     WHERE l.operator_id = $1 AND c.charged_at >= $2 AND c.charged_at < $3 GROUP BY c.license_id, c.dataset`,
    range,
  );
  const licenses = await store.query<{ id: string; document: string }>(
    "SELECT id, document FROM licenses WHERE operator_id = $1",
    [operatorId],
  );
  const budget: EvaluationReport["budget"] = [];
  const used = new Map(charges.map((c) => [`${c.license_id} ${c.dataset}`, Number(c.micro) / 1e6]));
  for (const row of licenses) {
    for (const grant of License.parse(JSON.parse(row.document)).datasets) {
      const spent = used.get(`${row.id} ${grant.name}`) ?? 0;
      used.delete(`${row.id} ${grant.name}`);
      if (!grant.epsilon && spent === 0) continue;
      budget.push({
        license: row.id,
        dataset: grant.name,
        used: spent,
        granted: grant.epsilon
          ? { total: grant.epsilon.total, perQuery: grant.epsilon.perQuery, period: grant.epsilon.period }
          : null,
      });
    }
  }
  // Charges on a dataset a license no longer names (an amendment dropped it) are still use.
  for (const [key, spent] of used) {
    const [license, dataset] = key.split(" ") as [string, string];
    budget.push({ license, dataset, used: spent, granted: null });
  }
  budget.sort((a, b) => compareText(a.license, b.license) || compareText(a.dataset, b.dataset));

  const issues = await store.query<{ status: string; n: number | string }>(
    `SELECT status, count(*) AS n FROM quality_issues
     WHERE reporter_id = $1 AND reported_at >= $2 AND reported_at < $3 GROUP BY status`,
    range,
  );

  return {
    operator: operatorId,
    organization: operator.organization,
    from,
    to,
    jobs: {
      submitted: jobs.length,
      released: count("released"),
      heldByGate: jobs.filter((j) => gateOutcome(j) === "held").length,
      heldNow: count("held"),
      rejected: count("rejected"),
      failed: count("failed"),
      cancelled: count("cancelled"),
      inProgress: count("queued") + count("running"),
    },
    reviews: { approvals: reviewed("approve"), rejections: reviewed("reject") },
    outputs: { released: outputsOf("released"), held: outputsOf("held") },
    violations: {
      total: recorded.length,
      byKind,
      bySeverity: {
        minor: recorded.filter((v) => v.severity === "minor").length,
        major: recorded.filter((v) => v.severity === "major").length,
        severe: recorded.filter((v) => v.severity === "severe").length,
      },
      complaints: recorded.filter((v) => v.source !== "system").length,
      annulled: recorded.filter((v) => v.status === "annulled").length,
    },
    objections: {
      filed: objected.length,
      upheld: objected.filter((v) => v.decision === "upheld").length,
      dismissed: objected.filter((v) => v.decision === "dismissed").length,
      pending: objected.filter((v) => v.decision === null).length,
    },
    budget,
    qualityIssues: {
      reported: issues.reduce((n, r) => n + Number(r.n), 0),
      byStatus: Object.fromEntries(issues.map((r) => [r.status, Number(r.n)])),
    },
  };
}
