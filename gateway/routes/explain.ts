import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import { type DryRunReport, JobExplainer } from "../../control/jobs/explain.ts";
import { GateReason, JobError } from "../../control/jobs/model.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { COMMON_ERRORS, Problem } from "../problem.ts";
import { JobSubmissionDoc } from "./jobs.ts";

const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const problemContent = { "application/problem+json": { schema: Problem } };

const ColumnRuleUse = z
  .object({
    dataset: z.string(),
    column: z.string(),
    rule: z.string().openapi({ example: "aggregate" }),
    clause: z.string().openapi({ example: "select" }),
  })
  .openapi("ColumnRuleUse");

export const DryRunQuerySchema = z
  .object({
    index: z.number().int(),
    sql: z.string(),
    verdict: z.enum(["allowed", "refused"]),
    code: z
      .string()
      .optional()
      .openapi({ description: "Why it was refused: the code a real run's ctx.sql throws." }),
    message: z.string().optional(),
    kind: z.enum(["open", "row", "aggregate"]).nullable(),
    datasets: z.array(z.string()),
    rules: z.array(ColumnRuleUse),
    rewrites: z
      .array(z.string())
      .openapi({ example: ["count_distinct_units", "threshold:10", "noise:discrete_laplace"] }),
    rewrittenSql: z.string().nullable().openapi({
      description: "The SQL the engine runs instead (noise and suppression apply to its result).",
    }),
    epsilon: z.number().openapi({
      description: "ε this query would charge the license now (0 when repeated or already paid for).",
    }),
    epsilonCost: z.number().openapi({ description: "ε the query costs when first asked under the license." }),
    answeredFromRecord: z.boolean().openapi({
      description: "The license already paid for this query: a real run gets its recorded answer for free.",
    }),
    tainted: z.boolean(),
    requiresReview: z.boolean(),
    rows: z.number().int().openapi({ description: "Rows it returned on the dummy data." }),
  })
  .openapi("DryRunQuery");

export const DryRunSchema = z
  .object({
    license: z.string(),
    scriptSha256: z.string(),
    dummyRows: z.number().int(),
    status: z.enum(["released", "held", "rejected", "failed"]),
    queries: z.array(DryRunQuerySchema),
    release: z.object({
      outcome: z.enum(["released", "held", "rejected"]),
      reasons: z.array(GateReason),
      tainted: z.boolean(),
      reviewsRequired: z.number().int(),
      outputs: z.array(z.object({ name: z.string(), rows: z.number().int() })),
    }),
    dummyOutputs: z
      .record(z.string(), z.array(z.record(z.string(), Cell)))
      .openapi({ description: "The outputs computed from dummy data: no real value." }),
    logs: z.array(z.string()),
    error: JobError.omit({ message: true }).extend({ message: z.string() }).optional(),
    epsilon: z
      .record(z.string(), z.number())
      .openapi({ description: "ε the job would charge, per dataset." }),
    budget: z.array(
      z.object({
        dataset: z.string(),
        period: z.string(),
        total: z.number(),
        spent: z.number(),
        left: z.number(),
      }),
    ),
  })
  .openapi("DryRun");

type DryRunWire = z.infer<typeof DryRunSchema>;
/** The domain's report is the wire shape with readonly arrays; the schema's types are mutable. */
const wire = (report: DryRunReport): DryRunWire => report as unknown as DryRunWire;

const explainJob = createRoute({
  method: "post",
  path: "/v1/jobs/explain",
  operationId: "explainJob",
  tags: ["jobs"],
  summary:
    "Dry-run a script on dummy data: each query's rewritten SQL, rules and ε, and the release verdict.",
  description:
    "Checks the operator and the license as a submission would (active, in its window, purpose, freezes), then runs the script in a sandbox worker against dummy data generated from the license's datasets, under the license's terms. Answers each query's verdict (allowed, or refused with its code), the SQL the engine runs in its place, the rules of the columns it uses and the ε it would charge the license now, then whether the outputs would be released or held for review. No job is created and no budget is spent: the license's budget is only read. The outputs shown are computed from dummy data. One dry run per operator at a time.",
  security: [{ bearer: [] }],
  request: {
    body: { required: true, content: { "application/json": { schema: JobSubmissionDoc } } },
  },
  responses: {
    200: { description: "The dry run's report.", content: { "application/json": { schema: DryRunSchema } } },
    413: { description: "Body or script too large.", content: problemContent },
    423: {
      description: "A freeze holds the operator, the license or one of its datasets.",
      content: problemContent,
    },
    ...COMMON_ERRORS,
  },
});

export interface ExplainRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query">;
  readonly audit: AuditSink;
  /** The dry runs of this node; by default one with the default bounds. */
  readonly explainer?: JobExplainer;
}

/** The dry run: operators try a script under one of their licenses without running it on real data. */
export function registerExplainRoutes(app: OpenAPIHono<GatewayEnv>, deps: ExplainRouteDeps): void {
  const explainer = deps.explainer ?? new JobExplainer({ store: deps.controlPlane, audit: deps.audit });
  app.on("POST", "/v1/jobs/explain", requireRole(deps.controlPlane, "operator"));
  app.openapi(explainJob, async (c) =>
    c.json(wire(await explainer.explain(c.get("principal"), c.req.valid("json"))), 200),
  );
}
