import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { UsageQuery, usageReport } from "../../control/metering.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { negotiateFormat, toCsv } from "../output-formats.ts";
import { COMMON_ERRORS } from "../problem.ts";

const Metered = {
  jobs: z.number(),
  cpuSeconds: z.number(),
  wallSeconds: z.number(),
  queries: z.number(),
  rowsScanned: z.number(),
  rowsIn: z.number(),
  bytesIn: z.number(),
  outputCells: z.number(),
  epsilon: z.number(),
  charge: z.number(),
};
const UsageLine = z
  .object({
    period: z.string(),
    operator: z.string(),
    license: z.string(),
    dataset: z.string().nullable(),
    holder: z.string().nullable(),
    ...Metered,
  })
  .openapi("UsageLine");

const getUsage = createRoute({
  method: "get",
  path: "/v1/usage",
  tags: ["usage"],
  summary:
    "Metered use per period, operator, license, dataset and holder department, priced under the tariffs; an operator sees its own, a holder department the use of its datasets. `Accept: text/csv` exports.",
  security: [{ bearer: [] }],
  request: { query: UsageQuery },
  responses: {
    200: {
      description: "Usage lines and totals.",
      content: {
        "application/json": { schema: z.object({ lines: z.array(UsageLine), totals: z.object(Metered) }) },
        "text/csv": { schema: z.string() },
      },
    },
    ...COMMON_ERRORS,
  },
});

export function registerUsageRoutes(
  app: OpenAPIHono<GatewayEnv>,
  deps: { controlPlane: Pick<SqlStore, "query"> },
) {
  app.use("/v1/usage", requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder"));
  app.openapi(getUsage, async (c) => {
    const principal = c.get("principal");
    const report = await usageReport(
      deps.controlPlane,
      c.req.valid("query"),
      principal.role === "operator"
        ? { operatorId: principal.id }
        : principal.role === "holder"
          ? { holderDepartment: principal.organization }
          : {},
    );
    if (negotiateFormat(c.req.header("accept")) === "csv") {
      return c.body(toCsv(report.lines.map((line) => ({ ...line }))), 200, {
        "content-type": "text/csv; charset=utf-8",
      });
    }
    return c.json(report, 200);
  });
}
