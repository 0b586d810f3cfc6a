import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  decideProposal,
  getProposal,
  listProposals,
  Proposal,
  ProposalDecision,
  ProposalKind,
  ProposalRequest,
  ProposalStatus,
  proposeChange,
  withdrawProposal,
} from "../../control/proposals.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";

const security = [{ bearer: [] }];
/** A proposal as every route answers it (policies, tariffs and freeze lifts answer one too). */
export const ProposalDoc = named(Proposal, "Proposal");
const ProposalId = z.object({ id: z.string().min(1).max(100).openapi({ example: "prop_2f1c…" }) });

// A complete example must validate against the schema (the contract check), and a whole manifest
// is too long to read here: the example lifts a freeze.
const exampleProposal = {
  kind: "unfreeze",
  freeze: "frz_8d2a…",
  reason: "the incident that led to the freeze is closed",
  effectiveAt: "2026-07-01T00:00:00Z",
};

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/proposals",
  operationId: "createProposal",
  tags: ["governance"],
  summary:
    "Propose a change for a second bureau officer to approve: a dataset's new manifest (`policy`), a new tariff (`tariff`) or lifting a freeze (`unfreeze`). The answer carries the readable diff against the latest version, each change marked tightens/neutral/loosens.",
  security,
  request: {
    body: {
      required: true,
      content: {
        "application/json": { schema: named(ProposalRequest, "ProposalRequest"), example: exampleProposal },
      },
    },
  },
  responses: {
    201: { description: "The proposal, pending.", content: { "application/json": { schema: ProposalDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/proposals",
  operationId: "listProposals",
  tags: ["governance"],
  summary: "Proposals, newest first, a page at a time (bureau and auditors), filterable by status and kind.",
  security,
  request: {
    query: z.object({
      status: ProposalStatus.optional().openapi({ example: "pending" }),
      kind: ProposalKind.optional().openapi({ example: "policy" }),
      ...PAGE_QUERY,
    }),
  },
  responses: {
    200: {
      description: "A page of proposals and the cursor of the next.",
      content: {
        "application/json": { schema: pageOf("proposals", ProposalDoc).openapi("ProposalList") },
      },
    },
    ...COMMON_ERRORS,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/proposals/{id}",
  operationId: "getProposal",
  tags: ["governance"],
  summary: "One proposal with its document, its readable diff and its decision (bureau and auditors).",
  security,
  request: { params: ProposalId },
  responses: {
    200: { description: "The proposal.", content: { "application/json": { schema: ProposalDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const decideRoute = createRoute({
  method: "post",
  path: "/v1/proposals/{id}/decision",
  operationId: "decideProposal",
  tags: ["governance"],
  summary:
    "Approve or refuse a pending proposal (bureau). The proposer may not approve their own (403). Approval applies the change, in force from its effectiveAt; a proposal whose base version is no longer the latest is closed as superseded (409).",
  security,
  request: {
    params: ProposalId,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: named(ProposalDecision, "ProposalDecision"),
          example: { decision: "approve", reason: "checked against the publication plan" },
        },
      },
    },
  },
  responses: {
    200: { description: "The decided proposal.", content: { "application/json": { schema: ProposalDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const withdrawRoute = createRoute({
  method: "post",
  path: "/v1/proposals/{id}/withdraw",
  operationId: "withdrawProposal",
  tags: ["governance"],
  summary: "Withdraw a pending proposal (its proposer only).",
  security,
  request: {
    params: ProposalId,
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            .object({ reason: z.string().trim().min(1).max(2000).optional() })
            .strict()
            .openapi("ProposalWithdrawal"),
          example: { reason: "superseded by a narrower change" },
        },
      },
    },
  },
  responses: {
    200: { description: "The withdrawn proposal.", content: { "application/json": { schema: ProposalDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface ProposalRouteDeps {
  readonly controlPlane: SqlStore;
  readonly dataDomain: Pick<DataDomain, "connect">;
  readonly audit: AuditSink;
}

/** The two-person rule: the bureau proposes and decides; auditors read. */
export function registerProposalRoutes(app: OpenAPIHono<GatewayEnv>, deps: ProposalRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const readers = requireRole(deps.controlPlane, "bureau", "auditor");
  const verbs = { store: deps.controlPlane, dataDomain: deps.dataDomain, audit: deps.audit };

  app.openapi({ ...createRouteDef, middleware: bureau }, async (c) => {
    return c.json(await proposeChange(verbs, c.get("principal"), c.req.valid("json")), 201);
  });

  app.openapi({ ...listRoute, middleware: readers }, async (c) => {
    const { status, kind, ...paging } = c.req.valid("query");
    const filter = { ...(status ? { status } : {}), ...(kind ? { kind } : {}) };
    const page = await listProposals(deps.controlPlane, c.get("principal"), filter, pageRequest(paging));
    return c.json(
      pageBody("proposals", page, (proposal) => proposal),
      200,
    );
  });

  app.openapi({ ...getRoute, middleware: readers }, async (c) => {
    return c.json(await getProposal(deps.controlPlane, c.get("principal"), c.req.valid("param").id), 200);
  });

  app.openapi({ ...decideRoute, middleware: bureau }, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await decideProposal(verbs, c.get("principal"), id, c.req.valid("json")), 200);
  });

  app.openapi({ ...withdrawRoute, middleware: bureau }, async (c) => {
    const { id } = c.req.valid("param");
    const reason = (c.req.valid("json") as { reason?: string } | undefined)?.reason;
    return c.json(await withdrawProposal(verbs, c.get("principal"), id, reason), 200);
  });
}
