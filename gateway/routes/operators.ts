import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import { PrincipalStatus } from "../../control/identity.ts";
import {
  registerOperator as admit,
  changeOperatorStatus,
  getOperator,
  listOperators,
  Operator,
  OperatorAction,
  RegisterOperator,
} from "../../control/operators.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";

const security = [{ bearer: [] }];
const problemContent = COMMON_ERRORS[400].content;
/** Responses of a change that can collide with the object's current state. */
export const CONFLICT_ERROR = {
  409: { description: "The object's current state does not allow the change.", content: problemContent },
} as const;

/** The reason the bureau gives for a status change: mandatory, recorded with the change and in the audit log. */
export const StatusChange = z
  .object({
    reason: z.string().trim().min(1).max(2000).openapi({ example: "qualification certificate lapsed" }),
  })
  .strict()
  .openapi("StatusChange");

/** A new key, shown once: it is stored only as a hash. */
export const IssuedKey = z
  .object({
    key: z.string().openapi({ description: "The API key. Shown once; store it now." }),
    prefix: z.string().openapi({ description: "Names the key in listings and logs." }),
  })
  .openapi("IssuedKey");

export const OperatorDoc = named(Operator, "Operator");
const RegisterOperatorDoc = named(RegisterOperator, "OperatorRegistration");
const OperatorId = z.object({ id: z.string().min(1).max(100).openapi({ example: "ope_5d0c…" }) });

const registerOperator = createRoute({
  method: "post",
  path: "/v1/operators",
  operationId: "registerOperator",
  tags: ["operators"],
  summary: "Admit an operator with its qualification; answers its first API key, once.",
  security,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: RegisterOperatorDoc } },
    },
  },
  responses: {
    201: {
      description: "Admitted.",
      content: {
        "application/json": {
          schema: z.object({ operator: OperatorDoc, apiKey: IssuedKey }).openapi("RegisteredOperator"),
        },
      },
    },
    ...COMMON_ERRORS,
    ...CONFLICT_ERROR,
  },
});

const listOperatorsRoute = createRoute({
  method: "get",
  path: "/v1/operators",
  operationId: "listOperators",
  tags: ["operators"],
  summary: "Every operator with its qualification and status, oldest first, a page at a time.",
  security,
  request: { query: z.object({ status: PrincipalStatus.optional(), ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of operators and the cursor of the next.",
      content: { "application/json": { schema: pageOf("operators", OperatorDoc) } },
    },
    ...COMMON_ERRORS,
  },
});

const getOperatorRoute = createRoute({
  method: "get",
  path: "/v1/operators/{id}",
  operationId: "getOperator",
  tags: ["operators"],
  summary: "One operator.",
  security,
  request: { params: OperatorId },
  responses: {
    200: { description: "The operator.", content: { "application/json": { schema: OperatorDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const changeStatus = createRoute({
  method: "post",
  path: "/v1/operators/{id}/{action}",
  operationId: "changeOperatorStatus",
  tags: ["operators"],
  summary:
    "Suspend, reinstate or revoke an operator, with a reason. Suspension stops its keys and licenses at once; revocation is final and also revokes its keys and licenses.",
  security,
  request: {
    params: OperatorId.extend({ action: OperatorAction }),
    body: { required: true, content: { "application/json": { schema: StatusChange } } },
  },
  responses: {
    200: {
      description: "The operator after the change.",
      content: { "application/json": { schema: OperatorDoc } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface OperatorRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
}

/** Admission and exit of operators: the bureau changes, the bureau and auditors read. */
export function registerOperatorRoutes(app: OpenAPIHono<GatewayEnv>, deps: OperatorRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const readers = requireRole(deps.controlPlane, "bureau", "auditor");

  app.openapi({ ...registerOperator, middleware: bureau }, async (c) => {
    const { operator, key } = await admit(
      deps.controlPlane,
      deps.audit,
      c.get("principal").id,
      c.req.valid("json"),
    );
    return c.json({ operator, apiKey: key }, 201);
  });

  app.openapi({ ...listOperatorsRoute, middleware: readers }, async (c) => {
    const query = c.req.valid("query");
    const page = await listOperators(
      deps.controlPlane,
      query.status ? { status: query.status } : {},
      pageRequest(query),
    );
    return c.json(
      pageBody("operators", page, (operator) => operator),
      200,
    );
  });

  app.openapi({ ...getOperatorRoute, middleware: readers }, async (c) => {
    return c.json(await getOperator(deps.controlPlane, c.req.valid("param").id), 200);
  });

  app.openapi({ ...changeStatus, middleware: bureau }, async (c) => {
    const { id, action } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    return c.json(
      await changeOperatorStatus(deps.controlPlane, deps.audit, c.get("principal").id, id, action, reason),
      200,
    );
  });
}
