import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  type AlertClosing,
  type AlertQuery,
  AlertRule,
  AlertSubject,
  closeAlert,
  getAlert,
  listAlerts,
  type SuggestedFreeze,
} from "../../control/alerts.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";

const security = [{ bearer: [] }];

const alertExample = {
  id: "alr_8c1f0e2d3b4a5968",
  rule: "refusal_burst" as const,
  status: "open" as const,
  operator: "op_3f2a1b0c",
  subject: { operator: "op_3f2a1b0c" },
  summary: "12 queries of operator op_3f2a1b0c refused within 10 min (threshold 10)",
  entries: [310, 312, 315],
  raisedAt: "2026-03-04T09:14:00.000Z",
  closedAt: null,
  closedBy: null,
  resolution: null,
  suggestedFreeze: { scope: "operator" as const, target: "op_3f2a1b0c", how: "POST /v1/freezes" },
};

const AlertDoc = z
  .object({
    id: z.string(),
    rule: AlertRule,
    status: z.enum(["open", "closed"]),
    operator: z.string().nullable(),
    subject: AlertSubject,
    summary: z.string(),
    entries: z.array(z.number().int()).openapi({ description: "Audit log positions behind the alert." }),
    raisedAt: Timestamp,
    closedAt: Timestamp.nullable(),
    closedBy: z.string().nullable(),
    resolution: z.string().nullable(),
    suggestedFreeze: z
      .object({ scope: z.enum(["operator", "license"]), target: z.string(), how: z.string() })
      .nullable()
      .openapi({
        description:
          "The freeze that would stop what the alert reports: impose it with `POST /v1/freezes` `{ scope, target, reason }` (bureau).",
      }) satisfies z.ZodType<z.infer<typeof SuggestedFreeze> | null, unknown>,
  })
  .openapi("Alert", { example: alertExample });

const AlertDetailDoc = AlertDoc.extend({
  log: z
    .array(z.record(z.string(), z.unknown()))
    .openapi({ description: "The audit entries behind the alert." }),
}).openapi("AlertDetail", { example: { ...alertExample, log: [] } });

const AlertId = z.object({ id: z.string().min(1).max(100).openapi({ example: alertExample.id }) });

const listRoute = createRoute({
  method: "get",
  path: "/v1/alerts",
  operationId: "listAlerts",
  tags: ["alerts"],
  summary: "Risk alerts raised by rules over the log, newest first, a page at a time (bureau, auditors).",
  security,
  request: {
    query: z.object({
      status: z.enum(["open", "closed"]).optional().openapi({ example: "open" }),
      rule: z.enum(AlertRule.options).optional().openapi({ example: "differencing" }),
      operator: z.string().min(1).max(100).optional(),
      ...PAGE_QUERY,
    }) satisfies z.ZodType<AlertQuery, unknown>,
  },
  responses: {
    200: {
      description: "A page of alerts and the cursor of the next.",
      content: { "application/json": { schema: pageOf("alerts", AlertDoc, "AlertList") } },
    },
    ...COMMON_ERRORS,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/alerts/{id}",
  operationId: "getAlert",
  tags: ["alerts"],
  summary: "One alert with the audit entries behind it (bureau, auditors).",
  security,
  request: { params: AlertId },
  responses: {
    200: { description: "The alert.", content: { "application/json": { schema: AlertDetailDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const closeRoute = createRoute({
  method: "post",
  path: "/v1/alerts/{id}/close",
  operationId: "closeAlert",
  tags: ["alerts"],
  summary: "Close an open alert with its resolution (bureau). The same pattern later raises a new alert.",
  security,
  request: {
    params: AlertId,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({ resolution: z.string().trim().min(1).max(2000) })
            .strict()
            .openapi("AlertClosing", {
              example: { resolution: "operator contacted; queries were a misconfigured dashboard" },
            }) satisfies z.ZodType<z.infer<typeof AlertClosing>, unknown>,
        },
      },
    },
  },
  responses: {
    200: { description: "The closed alert.", content: { "application/json": { schema: AlertDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface AlertRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
}

/** Risk alerts: the bureau and auditors read them; the bureau closes them. */
export function registerAlertRoutes(app: OpenAPIHono<GatewayEnv>, deps: AlertRouteDeps): void {
  const readers = requireRole(deps.controlPlane, "bureau", "auditor");
  const bureau = requireRole(deps.controlPlane, "bureau");

  app.openapi({ ...listRoute, middleware: readers }, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid("query");
    const page = await listAlerts(
      deps.controlPlane,
      c.get("principal"),
      filter,
      pageRequest({ limit, cursor }),
    );
    return c.json(
      pageBody("alerts", page, (alert) => alert),
      200,
    );
  });

  app.openapi({ ...getRoute, middleware: readers }, async (c) =>
    c.json(await getAlert(deps.controlPlane, c.get("principal"), c.req.valid("param").id), 200),
  );

  app.openapi({ ...closeRoute, middleware: bureau }, async (c) =>
    c.json(
      await closeAlert(
        deps.controlPlane,
        deps.audit,
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("json").resolution,
      ),
      200,
    ),
  );
}
