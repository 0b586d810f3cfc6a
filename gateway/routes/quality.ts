import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  answerQualityIssue,
  confirmQualityIssue,
  getQualityIssue,
  listQualityIssues,
  QualityAnswer,
  QualityFollowUp,
  QualityIssue,
  QualityIssueStatus,
  QualityReport,
  QualityResolution,
  QualitySummary,
  qualitySummary,
  reopenQualityIssue,
  reportQualityIssue,
  resolveQualityIssue,
} from "../../control/data-quality.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR, problem } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";

const security = [{ bearer: [] }];
const DatasetName = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/)
    .openapi({ example: "air_quality" }),
});
const IssueId = z.object({ id: z.string().min(1).max(100).openapi({ example: "qi_3d1f…" }) });
const IssueDoc = named(QualityIssue, "QualityIssue");
const QualityFollowUpDoc = named(QualityFollowUp, "QualityFollowUp");
const json = <T extends z.ZodType>(schema: T, example?: unknown) => ({
  required: true,
  content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } },
});

interface Issue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly keys?: readonly string[];
}

/**
 * Validation failures name the fields, and name unknown ones as refused: a report that carries
 * rows (`rows`, `data`) is told why it is refused and what to send instead.
 */
function explainInvalid(hint: string) {
  return function explainInvalidBody(
    result: { success: boolean; error?: { issues: readonly Issue[] } },
    c: Context<GatewayEnv>,
  ): undefined {
    if (result.success || !result.error) return undefined;
    const fields = result.error.issues.flatMap((i) =>
      i.code === "unrecognized_keys" && i.keys
        ? i.keys.map((k) => `${k} (not accepted)`)
        : [i.path.join(".") || "(body)"],
    );
    // Typed as the route's own answer: a problem document is what every route answers on error.
    return problem(c, "BAD_REQUEST", `invalid request: ${[...new Set(fields)].join(", ")}; ${hint}`) as never;
  };
}

const reportRoute = createRoute({
  method: "post",
  path: "/v1/datasets/{name}/issues",
  operationId: "reportQualityIssue",
  tags: ["quality"],
  summary:
    "Report a data quality issue on a dataset or one column (operator licensed on it). An example query is SQL text only — one SELECT over this dataset that your license admits, checked by the query gate, stored and never run. A report never carries rows: `rows`, `data` or any other field is refused.",
  security,
  request: {
    params: DatasetName,
    body: json(named(QualityReport, "QualityReport"), {
      column: "pm25",
      category: "missing_values",
      summary: "station S04 has no PM2.5 readings after March",
      exampleQuery: "SELECT station, count(pm25) AS readings FROM air_quality GROUP BY station",
    }),
  },
  responses: {
    201: { description: "The issue, open.", content: { "application/json": { schema: IssueDoc } } },
    422: {
      description: "The example query is refused by the query gate.",
      content: COMMON_ERRORS[400].content,
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/issues",
  operationId: "listQualityIssues",
  tags: ["quality"],
  summary:
    "Quality issues of a dataset, newest first, a page at a time, each with its steps: all of them for the bureau, auditors and the holder department; an operator's own.",
  security,
  request: { params: DatasetName, query: z.object({ status: QualityIssueStatus.optional(), ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of issues and the cursor of the next.",
      content: { "application/json": { schema: pageOf("issues", IssueDoc, "QualityIssueList") } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const summaryRoute = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/quality",
  operationId: "getQualitySummary",
  tags: ["quality", "catalog"],
  summary:
    "A dataset's quality summary (every role): completeness per column (share of non-NULL values of the current data version), freshness (its supply time and age), and issues opened, open, resolved and rejected.",
  security,
  request: { params: DatasetName },
  responses: {
    200: {
      description: "The summary.",
      content: { "application/json": { schema: named(QualitySummary, "QualitySummary") } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/quality-issues/{id}",
  operationId: "getQualityIssue",
  tags: ["quality"],
  summary: "One quality issue with its steps (404 for one the caller may not read).",
  security,
  request: { params: IssueId },
  responses: {
    200: { description: "The issue.", content: { "application/json": { schema: IssueDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const stepRoute = (
  step: "answer" | "resolve" | "confirm" | "reopen",
  summary: string,
  body: z.ZodType,
  example: unknown,
) =>
  createRoute({
    method: "post",
    path: `/v1/quality-issues/{id}/${step}`,
    operationId: `${step}QualityIssue`,
    tags: ["quality"],
    summary,
    security,
    request: { params: IssueId, body: json(body, example) },
    responses: {
      200: {
        description: "The issue after the step.",
        content: { "application/json": { schema: IssueDoc } },
      },
      ...COMMON_ERRORS,
      ...NOT_FOUND_ERROR,
      ...CONFLICT_ERROR,
    },
  });

const answerRoute = stepRoute(
  "answer",
  "The dataset's holder department answers an open issue: accepted, or rejected with a reason. The reporter is told.",
  named(QualityAnswer, "QualityAnswer"),
  { decision: "rejected", reason: "the station was decommissioned in March; no readings are expected" },
);
const resolveRoute = stepRoute(
  "resolve",
  "The holder department links the fix to a data version of the dataset supplied after the report: the issue is resolved and the reporter told.",
  named(QualityResolution, "QualityResolution"),
  { version: 3, note: "back-filled from the station's logger" },
);
const confirmRoute = stepRoute(
  "confirm",
  "The reporter confirms a resolved (or rejected) issue: it is closed.",
  QualityFollowUpDoc,
  {},
);
const reopenRoute = stepRoute(
  "reopen",
  "The reporter reopens a resolved or rejected issue, once: it is open again and the holder department told.",
  QualityFollowUpDoc,
  { reason: "readings are still missing for April" },
);

export interface QualityRouteDeps {
  readonly controlPlane: SqlStore;
  readonly audit: AuditSink;
  readonly dataDomain: Pick<DataDomain, "connect">;
}

/** Data quality feedback: operators report, holder departments answer and fix, everyone reads the summary. */
export function registerQualityRoutes(app: OpenAPIHono<GatewayEnv>, deps: QualityRouteDeps): void {
  const operator = requireRole(deps.controlPlane, "operator");
  const holder = requireRole(deps.controlPlane, "holder");
  const readers = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");
  const verbs = { store: deps.controlPlane, audit: deps.audit, dataDomain: deps.dataDomain };
  const noRows = explainInvalid(
    "a quality report carries no rows or data: give a summary, a category, optionally a column and an example query (SQL text)",
  );
  const stepHint = explainInvalid("see the request schema at GET /openapi.json");

  app.openapi(
    { ...reportRoute, middleware: operator },
    async (c) => {
      const { name } = c.req.valid("param");
      return c.json(await reportQualityIssue(verbs, c.get("principal"), name, c.req.valid("json")), 201);
    },
    noRows,
  );

  app.openapi({ ...listRoute, middleware: readers }, async (c) => {
    const { name } = c.req.valid("param");
    const query = c.req.valid("query");
    const page = await listQualityIssues(
      deps.controlPlane,
      c.get("principal"),
      name,
      query.status === undefined ? {} : { status: query.status },
      pageRequest(query),
    );
    return c.json(
      pageBody("issues", page, (issue) => issue),
      200,
    );
  });

  app.openapi({ ...summaryRoute, middleware: readers }, async (c) => {
    const { name } = c.req.valid("param");
    return c.json(await qualitySummary(verbs, c.get("principal"), name), 200);
  });

  app.openapi({ ...getRoute, middleware: readers }, async (c) =>
    c.json(await getQualityIssue(deps.controlPlane, c.get("principal"), c.req.valid("param").id), 200),
  );

  app.openapi(
    { ...answerRoute, middleware: holder },
    async (c) =>
      c.json(
        await answerQualityIssue(verbs, c.get("principal"), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
    stepHint,
  );
  app.openapi(
    { ...resolveRoute, middleware: holder },
    async (c) =>
      c.json(
        await resolveQualityIssue(verbs, c.get("principal"), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
    stepHint,
  );
  app.openapi(
    { ...confirmRoute, middleware: operator },
    async (c) =>
      c.json(
        await confirmQualityIssue(verbs, c.get("principal"), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
    stepHint,
  );
  app.openapi(
    { ...reopenRoute, middleware: operator },
    async (c) =>
      c.json(
        await reopenQualityIssue(verbs, c.get("principal"), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
    stepHint,
  );
}
