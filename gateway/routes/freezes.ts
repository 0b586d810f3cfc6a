import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  Freeze,
  FreezeRequest,
  getFreeze,
  imposeFreeze,
  listFreezes,
  requestLift,
} from "../../control/freezes.ts";
import type { JobService } from "../../control/jobs/job-service.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";
import { ProposalDoc } from "./proposals.ts";

const security = [{ bearer: [] }];
const FreezeDoc = named(Freeze, "Freeze");
const FreezeId = z.object({ id: z.string().min(1).max(100).openapi({ example: "frz_7a0e…" }) });

const imposeRoute = createRoute({
  method: "post",
  path: "/v1/freezes",
  operationId: "imposeFreeze",
  tags: ["governance"],
  summary:
    "Emergency stop (bureau, one officer, at once): freeze the whole domain, a dataset, an operator or a license. New jobs touching it are refused with FROZEN (423), queued and running ones are stopped (cancelled, code FROZEN), releases are held. Lifting needs two officers (POST /v1/freezes/{id}/lift).",
  security,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: named(FreezeRequest, "FreezeRequest"),
          example: { scope: "dataset", target: "population", reason: "suspected re-identification attempt" },
        },
      },
    },
  },
  responses: {
    201: {
      description: "The freeze, live, and the jobs it stopped.",
      content: {
        "application/json": {
          schema: z
            .object({
              freeze: FreezeDoc,
              stopped: z.object({ cancelled: z.array(z.string()), running: z.array(z.string()) }),
            })
            .openapi("ImposedFreeze"),
        },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/freezes",
  operationId: "listFreezes",
  tags: ["governance"],
  summary:
    "Freezes, newest first, a page at a time: all of them for the bureau and auditors; for an operator (or a holder) those that concern it. `live=true` lists those holding now.",
  security,
  request: {
    query: z.object({
      live: z
        .enum(["true", "false"])
        .optional()
        .transform((v) => (v === undefined ? undefined : v === "true"))
        .openapi({ example: "true" }),
      ...PAGE_QUERY,
    }),
  },
  responses: {
    200: {
      description: "A page of freezes and the cursor of the next.",
      content: { "application/json": { schema: pageOf("freezes", FreezeDoc, "FreezeList") } },
    },
    ...COMMON_ERRORS,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/freezes/{id}",
  operationId: "getFreeze",
  tags: ["governance"],
  summary: "One freeze (404 for one that does not concern the caller).",
  security,
  request: { params: FreezeId },
  responses: {
    200: { description: "The freeze.", content: { "application/json": { schema: FreezeDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const liftRoute = createRoute({
  method: "post",
  path: "/v1/freezes/{id}/lift",
  operationId: "requestFreezeLift",
  tags: ["governance"],
  summary:
    "Ask for a freeze to be lifted (bureau): creates an `unfreeze` proposal that a second officer approves through POST /v1/proposals/{id}/decision.",
  security,
  request: {
    params: FreezeId,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              reason: z.string().trim().min(1).max(2000),
              effectiveAt: z.iso.datetime({ offset: true }).optional(),
            })
            .strict()
            .openapi("FreezeLiftRequest"),
          example: { reason: "the operator's access review is complete" },
        },
      },
    },
  },
  responses: {
    202: {
      description: "The lifting proposal, pending a second officer.",
      content: { "application/json": { schema: ProposalDoc } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface FreezeRouteDeps {
  readonly controlPlane: SqlStore;
  readonly audit: AuditSink;
  readonly jobs: Pick<JobService, "stopFrozen">;
}

/** Emergency stops: the bureau freezes and asks to lift; everyone reads the freezes that concern them. */
export function registerFreezeRoutes(app: OpenAPIHono<GatewayEnv>, deps: FreezeRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const readers = requireRole(deps.controlPlane, "bureau", "auditor", "operator", "holder");
  const verbs = { store: deps.controlPlane, audit: deps.audit };

  app.openapi({ ...imposeRoute, middleware: bureau }, async (c) => {
    const imposed = await imposeFreeze(verbs, c.get("principal"), c.req.valid("json"));
    deps.jobs.stopFrozen(imposed.stopped);
    return c.json(imposed, 201);
  });

  app.openapi({ ...listRoute, middleware: readers }, async (c) => {
    const { live, ...page } = c.req.valid("query");
    const freezes = await listFreezes(
      deps.controlPlane,
      c.get("principal"),
      live === undefined ? {} : { live },
      pageRequest(page),
    );
    return c.json(
      pageBody("freezes", freezes, (freeze) => freeze),
      200,
    );
  });

  app.openapi({ ...getRoute, middleware: readers }, async (c) => {
    return c.json(await getFreeze(deps.controlPlane, c.get("principal"), c.req.valid("param").id), 200);
  });

  app.openapi({ ...liftRoute, middleware: bureau }, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    return c.json(await requestLift(verbs, c.get("principal"), id, body), 202);
  });
}
