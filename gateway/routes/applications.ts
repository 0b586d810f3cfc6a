import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  ApplicationDocument,
  ApplicationFilter,
  ApplicationStatus,
  ApprovalDecision,
  amendApplication,
  ConsentDecision,
  DEFAULT_APPLICATION_TTL_HOURS,
  decideApproval,
  decideConsent,
  getApplication,
  listApplications,
  submitApplication,
  withdrawApplication,
} from "../../control/applications.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";

const security = [{ bearer: [] }];

const EXAMPLE_DOCUMENT = {
  datasets: [
    {
      name: "population",
      columns: { education: "deny" },
      epsilon: { perQuery: 0.5, total: 10, period: "month" },
    },
    { name: "enterprises" },
  ],
  purpose: "urban-analytics",
  scenario: "District-level income and employment indicators for the 2026 urban renewal plan.",
  validFrom: "2026-01-01T00:00:00Z",
  validTo: "2026-12-31T23:59:59Z",
  quotas: { jobsPerDay: 50 },
  releaseMode: "auto",
} as const;

const Decision = z
  .object({
    step: z.enum(["consent", "approval"]),
    dataset: z.string().nullable(),
    decider: z.string(),
    decision: z.enum(["consent", "approve", "refuse"]),
    reason: z.string().nullable(),
    policyVersions: z.record(z.string(), z.number()),
    decidedAt: Timestamp,
  })
  .openapi("ApplicationDecision");

const ApplicationView = z
  .object({
    id: z.string().openapi({ example: "app_6f1c2d0e-8a51-4b7e-9a3c-2b1d0e5f4a17" }),
    operator: z.string(),
    status: z.enum(ApplicationStatus),
    document: ApplicationDocument,
    policyVersions: z.record(z.string(), z.number()).openapi({ example: { population: 3, enterprises: 1 } }),
    amends: z.string().nullable(),
    licenseId: z.string().nullable(),
    statusReason: z.string().nullable(),
    submittedAt: Timestamp,
    expiresAt: Timestamp,
    updatedAt: Timestamp,
    decisions: z.array(Decision),
    awaiting: z.object({ consents: z.array(z.string()), approvals: z.number() }),
  })
  .openapi("Application");

const ApplicationDocumentDoc = named(ApplicationDocument, "ApplicationDocument");
const AppId = z.object({ id: z.string().min(1).max(100) });
// Request schemas come from the domain (plain zod): their examples ride on the media type.
const json = <T extends z.ZodType>(schema: T, example: unknown) => ({
  required: true as const,
  content: { "application/json": { schema, example } },
});
const view = (description: string) => ({
  description,
  content: { "application/json": { schema: ApplicationView } },
});

const submitRoute = createRoute({
  method: "post",
  path: "/v1/applications",
  operationId: "submitApplication",
  tags: ["applications"],
  summary:
    "Apply for a license (operator): datasets and columns, purpose (one of the operator's approved purposes), scenario, window, quotas, ε for grade 3/4 data. Checked like a license grant.",
  security,
  request: { body: json(ApplicationDocumentDoc, EXAMPLE_DOCUMENT) },
  responses: {
    201: view("Submitted: awaiting the holders' consent, or the bureau's approval."),
    ...COMMON_ERRORS,
    ...CONFLICT_ERROR,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/applications",
  operationId: "listApplications",
  tags: ["applications"],
  summary:
    "Applications, newest first, a page at a time: an operator sees its own, a holder those touching its department's datasets, the bureau and auditors all.",
  security,
  request: { query: ApplicationFilter.extend(PAGE_QUERY) },
  responses: {
    200: {
      description: "A page of applications with their decisions, and the cursor of the next.",
      content: { "application/json": { schema: pageOf("applications", ApplicationView, "ApplicationList") } },
    },
    ...COMMON_ERRORS,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/applications/{id}",
  operationId: "getApplication",
  tags: ["applications"],
  summary:
    "One application with its decisions timeline (who decided what, when, under which policy versions). Another operator's, or one not touching a holder's datasets, answers 404.",
  security,
  request: { params: AppId },
  responses: { 200: view("The application."), ...COMMON_ERRORS, ...NOT_FOUND_ERROR },
});

const withdrawRoute = createRoute({
  method: "post",
  path: "/v1/applications/{id}/withdraw",
  operationId: "withdrawApplication",
  tags: ["applications"],
  summary: "Withdraw a pending application (its operator).",
  security,
  request: {
    params: AppId,
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            .object({ reason: z.string().trim().min(1).max(2000).optional() })
            .strict()
            .openapi("ApplicationWithdrawal", { example: { reason: "the project was cancelled" } }),
        },
      },
    },
  },
  responses: { 200: view("Withdrawn."), ...COMMON_ERRORS, ...NOT_FOUND_ERROR, ...CONFLICT_ERROR },
});

const amendRoute = createRoute({
  method: "post",
  path: "/v1/applications/{id}/amend",
  operationId: "amendApplication",
  tags: ["applications"],
  summary:
    "Amend an application (its operator): a new application linked to the old, decided afresh. A pending one is superseded at once; an approved one's license changes when the amendment is approved.",
  security,
  request: { params: AppId, body: json(ApplicationDocumentDoc, EXAMPLE_DOCUMENT) },
  responses: { 201: view("The new application."), ...COMMON_ERRORS, ...NOT_FOUND_ERROR, ...CONFLICT_ERROR },
});

const consentRoute = createRoute({
  method: "post",
  path: "/v1/applications/{id}/consent",
  operationId: "consentToApplication",
  tags: ["applications"],
  summary:
    "Consent to or refuse (with a reason) the use of one grade 3/4 dataset your department holds (holder). One refusal refuses the application; the last consent passes it to the bureau.",
  security,
  request: {
    params: AppId,
    body: json(named(ConsentDecision, "ConsentDecision"), {
      dataset: "population",
      decision: "refuse",
      reason: "household income is out of scope for this purpose",
    }),
  },
  responses: {
    200: view("The application after the decision."),
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const approvalRoute = createRoute({
  method: "post",
  path: "/v1/applications/{id}/approval",
  operationId: "decideApplication",
  tags: ["applications"],
  summary:
    "Approve or refuse (with a reason) an application whose holders all consented (bureau). Grade 4 data needs two distinct officers; the last approval grants the license exactly as applied for.",
  security,
  request: {
    params: AppId,
    body: json(named(ApprovalDecision, "ApprovalDecision"), { decision: "approve" }),
  },
  responses: {
    200: view("The application after the decision; `licenseId` once granted."),
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface ApplicationRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
  /** Hours an application may wait unacted on (APPLICATION_TTL_HOURS). */
  readonly applicationTtlHours?: number;
}

/** License applications: operators apply, holders consent, the bureau approves; auditors read. */
export function registerApplicationRoutes(app: OpenAPIHono<GatewayEnv>, deps: ApplicationRouteDeps): void {
  const settings = { ttlHours: deps.applicationTtlHours ?? DEFAULT_APPLICATION_TTL_HOURS };
  const operator = requireRole(deps.controlPlane, "operator");
  const holder = requireRole(deps.controlPlane, "holder");
  const bureau = requireRole(deps.controlPlane, "bureau");
  const readers = requireRole(deps.controlPlane, "operator", "holder", "bureau", "auditor");
  const store = deps.controlPlane;

  app.openapi({ ...submitRoute, middleware: operator }, async (c) =>
    c.json(
      await submitApplication(store, deps.audit, c.get("principal"), c.req.valid("json"), settings),
      201,
    ),
  );

  app.openapi({ ...listRoute, middleware: readers }, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid("query");
    const page = await listApplications(
      store,
      deps.audit,
      c.get("principal"),
      filter,
      pageRequest({ limit, cursor }),
    );
    return c.json(
      pageBody("applications", page, (application) => application),
      200,
    );
  });

  app.openapi({ ...getRoute, middleware: readers }, async (c) =>
    c.json(await getApplication(store, deps.audit, c.get("principal"), c.req.valid("param").id), 200),
  );

  app.openapi({ ...withdrawRoute, middleware: operator }, async (c) => {
    const body = (c.req.valid("json") ?? {}) as { reason?: string };
    return c.json(
      await withdrawApplication(store, deps.audit, c.get("principal"), c.req.valid("param").id, body.reason),
      200,
    );
  });

  app.openapi({ ...amendRoute, middleware: operator }, async (c) =>
    c.json(
      await amendApplication(
        store,
        deps.audit,
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("json"),
        settings,
      ),
      201,
    ),
  );

  app.openapi({ ...consentRoute, middleware: holder }, async (c) =>
    c.json(
      await decideConsent(
        store,
        deps.audit,
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("json"),
        settings,
      ),
      200,
    ),
  );

  app.openapi({ ...approvalRoute, middleware: bureau }, async (c) =>
    c.json(
      await decideApproval(
        store,
        deps.audit,
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("json"),
        settings,
      ),
      200,
    ),
  );
}
