import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import { setTariff, Tariff, TariffVersion, tariffAt, tariffPage } from "../../control/tariffs.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { NextCursor, PAGE_QUERY, pageBody, pageRequest } from "../paging.ts";
import { COMMON_ERRORS } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";
import { ProposalDoc } from "./proposals.ts";

const security = [{ bearer: [] }];
const VersionDoc = named(TariffVersion, "TariffVersion");

const getRoute = createRoute({
  method: "get",
  path: "/v1/tariffs",
  operationId: "getTariffs",
  tags: ["tariffs"],
  summary:
    "The tariff in force now (null before the bureau sets one) and the versions, newest first, a page at a time (a version approved for a later time is listed with its effectiveFrom).",
  security,
  request: { query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "The tariff in force, a page of versions and the cursor of the next.",
      content: {
        "application/json": {
          schema: z
            .object({ current: VersionDoc.nullable(), versions: z.array(VersionDoc), next: NextCursor })
            .openapi("Tariffs"),
        },
      },
    },
    ...COMMON_ERRORS,
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/v1/tariffs",
  operationId: "setTariffs",
  tags: ["tariffs"],
  summary:
    "Set a new tariff. One that only raises prices is in force from now (201). One that lowers any price or dataset multiplier is a proposal a second bureau officer approves (202, see /v1/proposals). Jobs are priced under the tariff in force at submission.",
  security,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: named(Tariff, "Tariff"),
          example: {
            currency: "CNY",
            perJob: 1,
            perCpuSecond: 0.05,
            perQuery: 0.2,
            perEpsilon: 10,
            perOutputCell: 0.001,
            perThousandRowsScanned: 0.01,
            datasetMultipliers: { population: 1.5 },
            note: "2026 prices",
          },
        },
      },
    },
  },
  responses: {
    201: {
      description: "The change only raises prices: the new version, in force now.",
      content: { "application/json": { schema: VersionDoc } },
    },
    202: {
      description: "The change lowers a price: the proposal awaiting a second officer.",
      content: { "application/json": { schema: ProposalDoc } },
    },
    ...COMMON_ERRORS,
    ...CONFLICT_ERROR,
  },
});

export interface TariffRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
}

/** Tariffs: every role reads the prices; the bureau sets them. */
export function registerTariffRoutes(app: OpenAPIHono<GatewayEnv>, deps: TariffRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");

  app.openapi({ ...getRoute, middleware: anyRole }, async (c) => {
    const page = await tariffPage(deps.controlPlane, pageRequest(c.req.valid("query")));
    return c.json(
      { current: await tariffAt(deps.controlPlane, new Date()), ...pageBody("versions", page, (v) => v) },
      200,
    );
  });

  app.openapi({ ...putRoute, middleware: bureau }, async (c) => {
    const outcome = await setTariff(deps.controlPlane, deps.audit, c.get("principal"), c.req.valid("json"));
    return outcome.status === "set" ? c.json(outcome.version, 201) : c.json(outcome.proposal, 202);
  });
}
