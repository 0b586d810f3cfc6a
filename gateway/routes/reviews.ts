import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import type { JobService } from "../../control/jobs/job-service.ts";
import { decideReview, pendingReviews, ReviewDecision } from "../../control/jobs/reviews.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR, Problem } from "../problem.ts";
import { JobViewSchema } from "./jobs.ts";

const Review = z
  .object({
    reviewer: z.string(),
    decision: z.enum(["approve", "reject"]),
    comment: z.string(),
    decidedAt: Timestamp,
  })
  .openapi("Review");
const ReviewDecisionDoc = named(ReviewDecision, "ReviewDecision");

const PendingReview = z
  .object({
    job: JobViewSchema,
    script: z
      .string()
      .openapi({ description: "The script whose outputs are held: what the reviewer decides on." }),
    language: z.string(),
    queries: z.array(
      z.object({ index: z.number().int(), sql: z.string(), verdict: z.unknown(), error: z.unknown() }),
    ),
    operator: z.object({ id: z.string(), organization: z.string() }),
    reviewsRequired: z.number().int(),
    reviews: z.array(Review),
  })
  .openapi("PendingReview");

const security = [{ bearer: [] }];
const problemContent = { "application/problem+json": { schema: Problem } };

const listReviews = createRoute({
  method: "get",
  path: "/v1/reviews",
  operationId: "listReviews",
  tags: ["reviews"],
  summary:
    "The review queue: held jobs with their gate reasons, outputs and the reviews they have, oldest first, a page at a time.",
  security,
  request: { query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of held jobs, oldest first, and the cursor of the next.",
      content: { "application/json": { schema: pageOf("reviews", PendingReview, "ReviewList") } },
    },
    ...COMMON_ERRORS,
  },
});

const decide = createRoute({
  method: "post",
  path: "/v1/reviews/{jobId}",
  operationId: "reviewJob",
  tags: ["reviews"],
  summary: "Approve or reject a held job, with a comment. Grade 4 outputs need two distinct reviewers.",
  security,
  request: {
    params: z.object({ jobId: z.string().min(1).max(100) }),
    body: {
      required: true,
      content: { "application/json": { schema: ReviewDecisionDoc } },
    },
  },
  responses: {
    200: {
      description: "The decision is recorded; the job is released, rejected, or waits for another reviewer.",
      content: {
        "application/json": {
          schema: z.object({ job: JobViewSchema, reviews: z.array(Review) }).openapi("ReviewOutcome"),
        },
      },
    },
    409: { description: "The job is not held, or this reviewer already decided.", content: problemContent },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface ReviewRouteDeps {
  readonly controlPlane: SqlStore;
  readonly audit: AuditSink;
  readonly jobs: JobService;
}

/** Review routes: bureau officers only. */
export function registerReviewRoutes(app: OpenAPIHono<GatewayEnv>, deps: ReviewRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  app.use("/v1/reviews", bureau);
  app.use("/v1/reviews/*", bureau);
  const verbs = { store: deps.controlPlane, audit: deps.audit, jobs: deps.jobs };

  app.openapi(listReviews, async (c) => {
    const page = await pendingReviews(verbs, c.get("principal"), pageRequest(c.req.valid("query")));
    return c.json(pageBody("reviews", page, (review) => review) as never, 200);
  });

  app.openapi(decide, async (c) => {
    const result = await decideReview(
      verbs,
      c.get("principal"),
      c.req.valid("param").jobId,
      c.req.valid("json"),
    );
    return c.json(result as never, 200);
  });
}
