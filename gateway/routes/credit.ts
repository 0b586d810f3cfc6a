import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  CreditRecord,
  type CreditRules,
  creditRecord,
  decideObjection,
  ExitRequest,
  exitOperator,
  fileObjection,
  ObjectionDecision,
  ObjectionRequest,
  recordViolation,
  ViolationRequest,
  ViolationView,
} from "../../control/credit.ts";
import { EvaluationQuery, EvaluationReport, evaluationReport } from "../../control/evaluation.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR, OperatorDoc } from "./operators.ts";

const security = [{ bearer: [] }];
const OperatorId = z.object({ id: z.string().min(1).max(100).openapi({ example: "prn_2b7c…" }) });
const ViolationId = z.object({ id: z.string().min(1).max(100).openapi({ example: "vio_5d0a…" }) });
const json = <T extends z.ZodType>(schema: T, example: unknown) => ({
  required: true as const,
  content: { "application/json": { schema, example } },
});
const ViolationDoc = named(ViolationView, "Violation");
const CreditRecordDoc = named(CreditRecord, "CreditRecord");
const EvaluationReportDoc = named(EvaluationReport, "EvaluationReport");
const violation = (description: string) => ({
  description,
  content: { "application/json": { schema: ViolationDoc } },
});

const creditRoute = createRoute({
  method: "get",
  path: "/v1/operators/{id}/credit",
  operationId: "getOperatorCredit",
  tags: ["credit"],
  summary:
    "An operator's credit record: score, the penalty the rules give it and the one in force, every violation with its evidence, objection and decision (bureau, auditors; an operator its own, another's answers 404). Rules: docs/credit.md.",
  security,
  request: { params: OperatorId },
  responses: {
    200: { description: "The credit record.", content: { "application/json": { schema: CreditRecordDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const recordRoute = createRoute({
  method: "post",
  path: "/v1/operators/{id}/violations",
  operationId: "recordViolation",
  tags: ["credit"],
  summary:
    "Record a violation with evidence (bureau): what was found and at least one of the operator's jobs or audit entries about it. The penalty follows the new score at once.",
  security,
  request: {
    params: OperatorId,
    body: json(named(ViolationRequest, "ViolationRequest"), {
      kind: "officer_finding",
      severity: "major",
      summary: "outputs shaped to single out small groups after a review rejection",
      evidence: { text: "job outputs repeat the rejected breakdown by one more column", jobs: ["job_…"] },
    }),
  },
  responses: {
    201: violation("The violation as recorded, with the penalty in force after it."),
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const objectionRoute = createRoute({
  method: "post",
  path: "/v1/violations/{id}/objection",
  operationId: "objectToViolation",
  tags: ["credit"],
  summary:
    "Object to one of your violations, once, with a reason (operator); a bureau officer other than its recorder decides. Another operator's violation answers 404.",
  security,
  request: {
    params: ViolationId,
    body: json(named(ObjectionRequest, "ObjectionRequest"), {
      reason: "the refused queries were a documented test of our new script",
    }),
  },
  responses: {
    200: violation("The violation with the objection filed."),
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const decisionRoute = createRoute({
  method: "post",
  path: "/v1/violations/{id}/decision",
  operationId: "decideObjection",
  tags: ["credit"],
  summary:
    "Decide an objection (bureau, not the officer who recorded the violation): `upheld` annuls the violation and the penalty follows the score back, `dismissed` keeps it; with a reason.",
  security,
  request: {
    params: ViolationId,
    body: json(named(ObjectionDecision, "ObjectionDecision"), {
      decision: "upheld",
      reason: "the tests were announced to the bureau beforehand",
    }),
  },
  responses: {
    200: violation("The violation with the decision."),
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const evaluationRoute = createRoute({
  method: "get",
  path: "/v1/operators/{id}/evaluation",
  operationId: "getOperatorEvaluation",
  tags: ["credit"],
  summary:
    "An operator's evaluation for the period [from, to): jobs and what became of them, review decisions, outputs released and held, violations by kind, complaints, objections, ε used against grants, quality issues reported (bureau, auditors; an operator its own). Computed on request.",
  security,
  request: {
    params: OperatorId,
    query: EvaluationQuery.extend({}).openapi({ example: { from: "2026-11-01", to: "2026-12-01" } }),
  },
  responses: {
    200: { description: "The report.", content: { "application/json": { schema: EvaluationReportDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const exitRoute = createRoute({
  method: "post",
  path: "/v1/operators/{id}/exit",
  operationId: "exitOperator",
  tags: ["credit"],
  summary:
    "Exit an operator (bureau, with a reason): revokes its keys and licenses, marks it revoked, settles its open period (the month so far) as the usage report prices it, and records all in the `operator.exited` entry. Every record is kept.",
  security,
  request: {
    params: OperatorId,
    body: json(named(ExitRequest, "ExitRequest"), { reason: "repeated severe violations" }),
  },
  responses: {
    200: {
      description: "The operator after its exit, what was revoked, and the settlement.",
      content: {
        "application/json": {
          schema: z
            .object({
              operator: OperatorDoc,
              revokedKeys: z.array(z.string()),
              revokedLicenses: z.array(z.string()),
              settlement: z.object({
                period: z.string(),
                from: Timestamp,
                to: Timestamp,
                // As the usage report of the open period totals it (docs/credit.md).
                totals: z.record(z.string(), z.union([z.number(), z.string()])),
              }),
            })
            .openapi("OperatorExit"),
        },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface CreditRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction">;
  readonly audit: AuditSink;
  /** Carries the configured credit rules (CREDIT_REPAIR_DAYS); defaults where unset. */
  readonly notifications?: { readonly credit?: Partial<CreditRules> };
}

/**
 * Operators' credit and evaluation. Registered before the operator routes: their
 * `/v1/operators/{id}/{action}` would otherwise take `…/violations` and `…/exit` as actions.
 */
export function registerCreditRoutes(app: OpenAPIHono<GatewayEnv>, deps: CreditRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const operator = requireRole(deps.controlPlane, "operator");
  const readers = requireRole(deps.controlPlane, "bureau", "auditor", "operator");
  const verbs = { store: deps.controlPlane, audit: deps.audit, rules: deps.notifications?.credit ?? {} };

  app.openapi({ ...creditRoute, middleware: readers }, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await creditRecord(deps.controlPlane, c.get("principal"), id, { rules: verbs.rules }), 200);
  });

  app.openapi({ ...recordRoute, middleware: bureau }, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await recordViolation(verbs, c.get("principal"), id, c.req.valid("json")), 201);
  });

  app.openapi({ ...objectionRoute, middleware: operator }, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await fileObjection(verbs, c.get("principal"), id, c.req.valid("json")), 200);
  });

  app.openapi({ ...decisionRoute, middleware: bureau }, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await decideObjection(verbs, c.get("principal"), id, c.req.valid("json")), 200);
  });

  app.openapi({ ...evaluationRoute, middleware: readers }, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(
      await evaluationReport(deps.controlPlane, c.get("principal"), id, c.req.valid("query")),
      200,
    );
  });

  app.openapi({ ...exitRoute, middleware: bureau }, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await exitOperator(verbs, c.get("principal"), id, c.req.valid("json")), 200);
  });
}
