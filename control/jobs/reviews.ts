import { z } from "zod";
import { DomainError } from "../../policies/errors.ts";
import type { ControlPlane } from "../../storage/control-plane.ts";
import type { AuditSink } from "../audit-sink.ts";
import type { Principal } from "../identity.ts";
import type { JobService, JobView } from "./job-service.ts";
import { jobStore } from "./job-store.ts";

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

export interface PendingReview {
  readonly job: JobView;
  readonly operator: { readonly id: string; readonly organization: string };
  readonly reviewsRequired: number;
  readonly reviews: readonly ReviewRecord[];
}

interface Deps {
  readonly store: ControlPlane;
  readonly audit: AuditSink;
  readonly jobs: Pick<JobService, "get" | "settleReviewed">;
}

async function reviewsOf(store: Pick<ControlPlane, "query">, jobId: string): Promise<ReviewRecord[]> {
  return store.query<ReviewRecord>(
    `SELECT reviewer_id AS reviewer, decision, comment, strftime(decided_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS "decidedAt"
     FROM reviews WHERE job_id = $1 ORDER BY decided_at`,
    [jobId],
  );
}

async function organizationOf(store: Pick<ControlPlane, "query">, principalId: string): Promise<string> {
  const rows = await store.query<{ organization: string }>(
    "SELECT organization FROM principals WHERE id = $1",
    [principalId],
  );
  return rows[0]?.organization ?? "";
}

/** The review queue: held jobs, oldest first, with the reviews they already have. */
export async function pendingReviews(deps: Deps, reviewer: Principal): Promise<PendingReview[]> {
  const held = await jobStore.withStatus(deps.store, "held");
  return Promise.all(
    held.map(async (job) => ({
      job: await deps.jobs.get(reviewer, job.id),
      operator: { id: job.operatorId, organization: await organizationOf(deps.store, job.operatorId) },
      reviewsRequired: job.decision?.reviewsRequired ?? 1,
      reviews: await reviewsOf(deps.store, job.id),
    })),
  );
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
  const job = await jobStore.get(deps.store, jobId);
  if (!job) throw new DomainError("NOT_FOUND", `no job ${jobId}`);
  if (job.status !== "held")
    throw new DomainError("CONFLICT", `job ${jobId} is ${job.status}, not held for review`);
  const submitterOrganization = await organizationOf(deps.store, job.operatorId);
  if (reviewer.organization === submitterOrganization) {
    throw new DomainError("FORBIDDEN", "a reviewer may not review a job of their own organisation");
  }
  const previous = await reviewsOf(deps.store, jobId);
  if (previous.some((r) => r.reviewer === reviewer.id)) {
    throw new DomainError(
      "CONFLICT",
      "you have already reviewed this job; a second approval needs another reviewer",
    );
  }
  await deps.audit.append({
    type: "review.decided",
    actor: reviewer.id,
    subject: { job: jobId, operator: job.operatorId, license: job.licenseId },
    data: { decision: body.decision, comment: body.comment, reviewsBefore: previous.length },
  });
  await deps.store.run(
    "INSERT INTO reviews (job_id, reviewer_id, decision, comment, decided_at) VALUES ($1, $2, $3, $4, now())",
    [jobId, reviewer.id, body.decision, body.comment],
  );
  const approvals =
    previous.filter((r) => r.decision === "approve").length + (body.decision === "approve" ? 1 : 0);
  if (body.decision === "reject") await deps.jobs.settleReviewed(job, false, reviewer.id);
  else if (approvals >= (job.decision?.reviewsRequired ?? 1))
    await deps.jobs.settleReviewed(job, true, reviewer.id);
  return { job: await deps.jobs.get(reviewer, jobId), reviews: await reviewsOf(deps.store, jobId) };
}
