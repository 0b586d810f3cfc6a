import { z } from "zod";
import { DomainError } from "../../policies/errors.ts";
import { sqlDialect } from "../../storage/sql-dialect.ts";
import type { SqlExecutor, SqlStore } from "../../storage/sql-store.ts";
import type { AuditSink } from "../audit-sink.ts";
import { requireActor } from "../authority.ts";
import { assertNotFrozen, jobTarget } from "../freezes.ts";
import type { Principal } from "../identity.ts";
import { notify } from "../inbox.ts";
import type { Page, PageRequest } from "../paging.ts";
import { jobRepository } from "./job-repository.ts";
import type { JobService, JobView } from "./job-service.ts";
import { JobMovedOn } from "./release.ts";

export const ReviewDecision = z
  .object({
    decision: z.enum(["approve", "reject"]),
    /** Why: the operator sees it on a rejection, auditors always. */
    comment: z.string().trim().min(1).max(2000),
  })
  .strict();
export type ReviewDecision = z.infer<typeof ReviewDecision>;

export interface ReviewRecord {
  readonly reviewer: string;
  readonly decision: "approve" | "reject";
  readonly comment: string;
  readonly decidedAt: string;
}

/** A query a held job made, as its `query.checked` log entry recorded it: the SQL and the rules' verdict. */
export interface ReviewedQuery {
  readonly index: number;
  readonly sql: string;
  readonly verdict: unknown;
  readonly error: unknown;
}

export interface PendingReview {
  readonly job: JobView;
  /** What the reviewer is asked to release: the script that produced it, and the queries it made. */
  readonly script: string;
  readonly language: string;
  readonly queries: readonly ReviewedQuery[];
  readonly operator: { readonly id: string; readonly organization: string };
  readonly reviewsRequired: number;
  readonly reviews: readonly ReviewRecord[];
}

interface Deps {
  readonly store: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
  readonly jobs: Pick<JobService, "get" | "settleReviewedIn" | "reviewed">;
}

async function reviewsOf(store: Pick<SqlExecutor, "query">, jobId: string): Promise<ReviewRecord[]> {
  return store.query<ReviewRecord>(
    `SELECT reviewer_id AS reviewer, decision, comment, decided_at AS "decidedAt"
     FROM reviews WHERE job_id = $1 ORDER BY decided_at, reviewer_id`,
    [jobId],
  );
}

async function organizationOf(store: Pick<SqlExecutor, "query">, principalId: string): Promise<string> {
  const rows = await store.query<{ organization: string }>(
    "SELECT organization FROM principals WHERE id = $1",
    [principalId],
  );
  return rows[0]?.organization ?? "";
}

/** The queries of a job with their verdicts, from its `query.checked` entries in the log. */
async function queriesOf(store: Pick<SqlExecutor, "query">, jobId: string): Promise<ReviewedQuery[]> {
  const rows = await store.query<{ line: string }>(
    "SELECT line FROM audit_entries WHERE job = $1 AND type = 'query.checked' ORDER BY position",
    [jobId],
  );
  return rows.map((row) => {
    const data = (
      JSON.parse(row.line) as { data: { index: number; sql: string; verdict?: unknown; error?: unknown } }
    ).data;
    return { index: data.index, sql: data.sql, verdict: data.verdict ?? null, error: data.error ?? null };
  });
}

/** The review queue: held jobs, oldest first, a page at a time, with the reviews they already have. */
export async function pendingReviews(
  deps: Deps,
  reviewer: Principal,
  page: PageRequest = {},
): Promise<Page<PendingReview>> {
  // The queue shows held jobs' scripts, queries and outputs: bureau officers only, whatever route asks.
  requireActor(reviewer, ["bureau"], "read the review queue");
  const held = await jobRepository.pageWithStatus(deps.store, "held", "reviews", page);
  const items = await Promise.all(
    held.items.map(async (job) => ({
      job: await deps.jobs.get(reviewer, job.id),
      script: job.script,
      language: job.language,
      queries: await queriesOf(deps.store, job.id),
      operator: { id: job.operatorId, organization: await organizationOf(deps.store, job.operatorId) },
      reviewsRequired: job.decision?.reviewsRequired ?? 1,
      reviews: await reviewsOf(deps.store, job.id),
    })),
  );
  return { items, next: held.next };
}

/**
 * Records a reviewer's decision on a held job. A rejection settles the job at once; approvals
 * release it once it has as many distinct approvals as it needs (two for grade 4 data). Nobody
 * from the submitter's own organisation may review its job.
 */
export async function decideReview(
  deps: Deps,
  reviewer: Principal,
  jobId: string,
  body: ReviewDecision,
): Promise<{ job: JobView; reviews: ReviewRecord[] }> {
  const job = await jobRepository.get(deps.store, jobId);
  if (!job) throw new DomainError("NOT_FOUND", `no job ${jobId}`);
  if (job.status !== "held")
    throw new DomainError("CONFLICT", `job ${jobId} is ${job.status}, not held for review`);
  const submitterOrganization = await organizationOf(deps.store, job.operatorId);
  if (reviewer.organization === submitterOrganization) {
    throw new DomainError("FORBIDDEN", "a reviewer may not review a job of their own organisation");
  }
  // The review, its entry and (when it decides the job) the job's end commit together; a second
  // reviewer deciding at the same moment finds the job settled and changes nothing.
  let settled: Awaited<ReturnType<Deps["jobs"]["settleReviewedIn"]>> | undefined;
  try {
    settled = await deps.store.transaction(async (tx) => {
      // The job's row is locked first, so reviews of one job take turns and each counts the
      // approvals committed before it: at READ COMMITTED two approvals racing on PostgreSQL would
      // otherwise each count only itself, and a job needing two would stay held with both.
      const locked = await tx.query<{ status: string }>(
        `SELECT status FROM jobs WHERE id = $1${sqlDialect.forUpdate(tx.dialect)}`,
        [jobId],
      );
      if (locked[0]?.status !== "held") throw new JobMovedOn(jobId);
      // Releases stay held while a freeze touches the job; a rejection may still close it.
      if (body.decision === "approve") {
        await sqlDialect.turn(tx, "freeze", { shared: true });
        await assertNotFrozen(tx, await jobTarget(tx, job), `releasing job ${jobId}`);
      }
      const previous = await reviewsOf(tx, jobId);
      if (previous.some((r) => r.reviewer === reviewer.id)) {
        throw new DomainError(
          "CONFLICT",
          "you have already reviewed this job; a second approval needs another reviewer",
        );
      }
      await tx.run(
        "INSERT INTO reviews (job_id, reviewer_id, decision, comment, decided_at) VALUES ($1, $2, $3, $4, $5)",
        [jobId, reviewer.id, body.decision, body.comment, new Date().toISOString()],
      );
      await deps.audit.appendIn(tx, [
        {
          type: "review.decided",
          actor: reviewer.id,
          subject: { job: jobId, operator: job.operatorId, license: job.licenseId },
          data: { decision: body.decision, comment: body.comment, reviewsBefore: previous.length },
        },
      ]);
      await notify(
        tx,
        { principals: [job.operatorId] },
        {
          kind: "review.decided",
          subject: { job: jobId, license: job.licenseId },
          message: `a reviewer ${body.decision === "approve" ? "approved" : "rejected"} job ${jobId}; see GET /v1/jobs/${jobId}`,
        },
      );
      const approvals =
        previous.filter((r) => r.decision === "approve").length + (body.decision === "approve" ? 1 : 0);
      if (body.decision === "reject") return deps.jobs.settleReviewedIn(tx, job, false, reviewer.id);
      if (approvals >= (job.decision?.reviewsRequired ?? 1))
        return deps.jobs.settleReviewedIn(tx, job, true, reviewer.id);
      return undefined;
    });
  } catch (error) {
    if (error instanceof JobMovedOn) {
      throw new DomainError("CONFLICT", `job ${jobId} was decided by another review meanwhile`);
    }
    throw error;
  }
  if (settled) deps.jobs.reviewed(jobId, settled);
  return { job: await deps.jobs.get(reviewer, jobId), reviews: await reviewsOf(deps.store, jobId) };
}
