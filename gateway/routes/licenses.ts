import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  amendLicense,
  changeLicenseStatus,
  getLicenseDetail,
  grantCheckedLicense,
  LicenseAction,
  type LicenseDetail,
  LicenseStatus,
  licenseBudgets,
  listLicenses,
} from "../../control/licenses.ts";
import { License } from "../../policies/license.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR, StatusChange } from "./operators.ts";

const security = [{ bearer: [] }];
const LicenseDoc = named(License, "License");

const DatasetBudgetDoc = z
  .object({
    dataset: z.string(),
    period: z.string().openapi({ example: "month:2026-03" }),
    total: z.number(),
    spent: z.number(),
    left: z.number(),
  })
  .openapi("DatasetBudget");

const LicenseView = z
  .object({
    license: LicenseDoc,
    status: z.enum(LicenseStatus),
    statusReason: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp.nullable(),
    /** ε spent and left in the current period, per dataset with a budget. */
    budget: z.array(DatasetBudgetDoc),
  })
  .openapi("LicenseView");

const LicenseId = z.object({ id: z.string().min(1).max(100) });

const listRoute = createRoute({
  method: "get",
  path: "/v1/licenses",
  operationId: "listLicenses",
  tags: ["licenses"],
  summary:
    "Licenses with their privacy budget left, newest first, a page at a time. An operator sees its own; the bureau and auditors see all (filterable).",
  security,
  request: {
    query: z.object({
      operator: z.string().min(1).max(100).optional(),
      status: z.enum(LicenseStatus).optional(),
      ...PAGE_QUERY,
    }),
  },
  responses: {
    200: {
      description: "A page of licenses and the cursor of the next.",
      content: { "application/json": { schema: pageOf("licenses", LicenseView) } },
    },
    ...COMMON_ERRORS,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/licenses/{id}",
  operationId: "getLicense",
  tags: ["licenses"],
  summary: "One license with its budget left. Another operator's license answers 404.",
  security,
  request: { params: LicenseId },
  responses: {
    200: { description: "The license.", content: { "application/json": { schema: LicenseView } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const grantRoute = createRoute({
  method: "post",
  path: "/v1/licenses",
  operationId: "grantLicense",
  tags: ["licenses"],
  summary:
    "Grant a license directly to an active operator for one of its approved purposes, on grade 1–2 data only. Grade 3/4 data answers 403: it is licensed through an application (POST /v1/applications).",
  security,
  request: { body: { required: true, content: { "application/json": { schema: LicenseDoc } } } },
  responses: {
    201: { description: "Granted.", content: { "application/json": { schema: LicenseView } } },
    ...COMMON_ERRORS,
    ...CONFLICT_ERROR,
  },
});

const amendRoute = createRoute({
  method: "put",
  path: "/v1/licenses/{id}",
  operationId: "amendLicense",
  tags: ["licenses"],
  summary:
    "Amend a license: a new document under the same id and operator; before and after are audited. On grade 3/4 data only tightening applies here; a loosening answers 403 (amend the application instead).",
  security,
  request: {
    params: LicenseId,
    body: { required: true, content: { "application/json": { schema: LicenseDoc } } },
  },
  responses: {
    200: { description: "The amended license.", content: { "application/json": { schema: LicenseView } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const statusRoute = createRoute({
  method: "post",
  path: "/v1/licenses/{id}/{action}",
  operationId: "changeLicenseStatus",
  tags: ["licenses"],
  summary:
    "Suspend, reinstate, revoke or expire a license with a reason. Jobs check the license at submission and again at start.",
  security,
  request: {
    params: LicenseId.extend({ action: z.enum(LicenseAction) }),
    body: { required: true, content: { "application/json": { schema: StatusChange } } },
  },
  responses: {
    200: {
      description: "The license after the change.",
      content: { "application/json": { schema: LicenseView } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface LicenseRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
}

/** Licenses: the bureau grants and manages them; operators read their own with the budget left. */
export function registerLicenseRoutes(app: OpenAPIHono<GatewayEnv>, deps: LicenseRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor");
  const view = async (detail: LicenseDetail) => ({
    ...detail,
    budget: await licenseBudgets(deps.controlPlane, detail.license, new Date()),
  });

  app.openapi({ ...listRoute, middleware: anyRole }, async (c) => {
    const caller = c.get("principal");
    const query = c.req.valid("query");
    const { operator, status } = query;
    // An operator's listing is its own whatever it asks for.
    const operatorId = caller.role === "operator" ? caller.id : operator;
    const page = await listLicenses(
      deps.controlPlane,
      {
        ...(operatorId === undefined ? {} : { operatorId }),
        ...(status === undefined ? {} : { status }),
      },
      pageRequest(query),
    );
    const licenses = [];
    for (const detail of page.items) licenses.push(await view(detail));
    return c.json({ licenses, next: page.next }, 200);
  });

  app.openapi({ ...getRoute, middleware: anyRole }, async (c) => {
    const caller = c.get("principal");
    const visibleTo = caller.role === "operator" ? caller.id : undefined;
    return c.json(
      await view(await getLicenseDetail(deps.controlPlane, c.req.valid("param").id, visibleTo)),
      200,
    );
  });

  app.openapi({ ...grantRoute, middleware: bureau }, async (c) => {
    const granted = await grantCheckedLicense(
      deps.controlPlane,
      deps.audit,
      c.get("principal").id,
      c.req.valid("json"),
    );
    return c.json(await view(granted), 201);
  });

  app.openapi({ ...amendRoute, middleware: bureau }, async (c) => {
    const amended = await amendLicense(
      deps.controlPlane,
      deps.audit,
      c.get("principal").id,
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    return c.json(await view(amended), 200);
  });

  app.openapi({ ...statusRoute, middleware: bureau }, async (c) => {
    const { id, action } = c.req.valid("param");
    const changed = await changeLicenseStatus(
      deps.controlPlane,
      deps.audit,
      c.get("principal").id,
      id,
      action,
      c.req.valid("json").reason,
    );
    return c.json(await view(changed), 200);
  });
}
