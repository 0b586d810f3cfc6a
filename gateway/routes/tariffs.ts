import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import { listTariffs, setTariff, Tariff, TariffVersion } from "../../control/tariffs.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { COMMON_ERRORS } from "../problem.ts";

const security = [{ bearer: [] }];
const VersionDoc = TariffVersion;

const getRoute = createRoute({
  method: "get",
  path: "/v1/tariffs",
  tags: ["tariffs"],
  summary: "The tariff in force (null before the bureau sets one) and every earlier version.",
  security,
  responses: {
    200: {
      description: "The tariffs.",
      content: {
        "application/json": {
          schema: z
            .object({ current: VersionDoc.nullable(), versions: z.array(VersionDoc) })
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
  tags: ["tariffs"],
  summary:
    "Set a new tariff version, in force from now; jobs are priced under the tariff in force at submission.",
  security,
  request: {
    body: { required: true, content: { "application/json": { schema: Tariff } } },
  },
  responses: {
    201: { description: "The new version.", content: { "application/json": { schema: VersionDoc } } },
    ...COMMON_ERRORS,
  },
});

export interface TariffRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction">;
  readonly audit: AuditSink;
}

/** Tariffs: every role reads the prices; the bureau sets them. */
export function registerTariffRoutes(app: OpenAPIHono<GatewayEnv>, deps: TariffRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor");

  app.openapi({ ...getRoute, middleware: anyRole }, async (c) => {
    const versions = await listTariffs(deps.controlPlane);
    return c.json({ current: versions[0] ?? null, versions }, 200);
  });

  app.openapi({ ...putRoute, middleware: bureau }, async (c) => {
    return c.json(
      await setTariff(deps.controlPlane, deps.audit, c.get("principal").id, c.req.valid("json")),
      201,
    );
  });
}
