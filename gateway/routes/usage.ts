import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { UsageQuery, usageReport } from "../../control/metering.ts";
import { ContributionBasis } from "../../policies/statement.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { negotiateFormat, toCsv } from "../output-formats.ts";
import { COMMON_ERRORS } from "../problem.ts";

const Metered = {
  jobs: z
    .number()
    .int()
    .openapi({ description: "Whole jobs with a part in the line (each job once in the totals)." }),
  sharePpm: z
    .number()
    .int()
    .openapi({ description: "The jobs' shares attributed to the line, in millionths of a job." }),
  rowsScanned: z.number().int().openapi({ description: "Rows of the line's dataset its jobs scanned." }),
  cpuMs: z.number().int(),
  wallMs: z.number().int(),
  queries: z.number().int(),
  rowsIn: z.number().int(),
  bytesIn: z.number().int(),
  outputCells: z.number().int(),
  epsilon: z.number(),
  chargeFen: z.number().int().openapi({ description: "Charge in fen (0.01 CNY)." }),
  charge: z.string().openapi({ description: "The charge in CNY, as text.", example: "12.34" }),
};
const UsageLine = z
  .object({
    period: z.string(),
    operator: z.string(),
    license: z.string(),
    dataset: z.string().nullable(),
    holder: z.string().nullable(),
    basis: z.enum(ContributionBasis.options).openapi({
      description:
        "How each job was divided between its datasets: by rows scanned, or evenly when it scanned nothing attributable (docs/settlement.md).",
    }),
    ...Metered,
  })
  .openapi("UsageLine");

const PeriodUsage = z
  .object({ period: z.string(), ...Metered })
  .openapi("PeriodUsage", { description: "Use in one period over all its lines: each job counted once." });

const getUsage = createRoute({
  method: "get",
  path: "/v1/usage",
  operationId: "getUsage",
  tags: ["usage"],
  summary:
    "Metered use per period, operator, license, dataset and holder department, in whole numbers, priced under the tariffs and divided between datasets by contribution (rows scanned); an operator sees its own, a holder department the use of its datasets. `Accept: text/csv` exports.",
  security: [{ bearer: [] }],
  request: { query: UsageQuery },
  responses: {
    200: {
      description: "Usage lines and totals.",
      content: {
        "application/json": {
          schema: z
            .object({ lines: z.array(UsageLine), periods: z.array(PeriodUsage), totals: z.object(Metered) })
            .openapi("UsageReport"),
        },
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
