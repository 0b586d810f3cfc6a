import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { currentCatalog } from "../../control/catalog.ts";
import { openQualityIssueCounts } from "../../control/data-quality.ts";
import { DatasetManifest, Grade, UpdateFrequency } from "../../policies/manifest.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR, problem } from "../problem.ts";

const DatasetSummary = z
  .object({
    name: z.string(),
    title: z.string(),
    description: z.string(),
    holder: z.object({ department: z.string() }),
    grade: Grade,
    updateFrequency: UpdateFrequency,
    policyVersion: z.number().int(),
    columns: z.number().int(),
    /** Quality issues reported and not yet fixed; the summary is at GET /v1/datasets/{name}/quality. */
    openQualityIssues: z.number().int(),
  })
  .openapi("DatasetSummary");

const DatasetList = z.object({ datasets: z.array(DatasetSummary) }).openapi("DatasetList");

const DatasetDetail = z
  .object({
    manifest: DatasetManifest,
    policyVersion: z.number().int(),
    effectiveFrom: Timestamp,
    /** Number of rows in the domain: catalog metadata, an aggregate over the whole table. */
    rows: z.number().int().nullable(),
  })
  .openapi("DatasetDetail");

const security = [{ bearer: [] }];

const listDatasets = createRoute({
  method: "get",
  path: "/v1/datasets",
  operationId: "listDatasets",
  tags: ["catalog"],
  summary: "The bureau's catalog: every dataset with its grade and holder.",
  security,
  responses: {
    200: { description: "The catalog.", content: { "application/json": { schema: DatasetList } } },
    ...COMMON_ERRORS,
  },
});

const getDataset = createRoute({
  method: "get",
  path: "/v1/datasets/{name}",
  operationId: "getDataset",
  tags: ["catalog"],
  summary: "One dataset's manifest: schema, column rules, bounds and policy version.",
  security,
  request: {
    params: z.object({
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/)
        .openapi({ example: "population" }),
    }),
  },
  responses: {
    200: { description: "The dataset.", content: { "application/json": { schema: DatasetDetail } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface CatalogDeps {
  readonly controlPlane: Pick<SqlStore, "query">;
  readonly dataDomain: Pick<DataDomain, "tableRowCounts">;
}

/** Catalog routes: open to every role, since schemas and rules are what operators develop against. */
export function registerDatasetRoutes(app: OpenAPIHono<GatewayEnv>, deps: CatalogDeps): void {
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");
  app.use("/v1/datasets", anyRole);
  app.use("/v1/datasets/*", anyRole);

  app.openapi(listDatasets, async (c) => {
    const catalog = await currentCatalog(deps.controlPlane);
    const openIssues = await openQualityIssueCounts(deps.controlPlane);
    return c.json(
      {
        datasets: catalog.map(({ manifest, version }) => ({
          name: manifest.name,
          title: manifest.title,
          description: manifest.description,
          holder: { department: manifest.holder.department },
          grade: manifest.grade,
          updateFrequency: manifest.updateFrequency,
          policyVersion: version,
          columns: manifest.columns.length,
          openQualityIssues: openIssues.get(manifest.name) ?? 0,
        })),
      },
      200,
    );
  });

  app.openapi(getDataset, async (c) => {
    const { name } = c.req.valid("param");
    const entry = (await currentCatalog(deps.controlPlane)).find((e) => e.manifest.name === name);
    if (!entry) return problem(c, "NOT_FOUND", `no dataset named ${name}`) as never;
    const rows = (await deps.dataDomain.tableRowCounts()).get(name) ?? null;
    return c.json(
      { manifest: entry.manifest, policyVersion: entry.version, effectiveFrom: entry.effectiveFrom, rows },
      200,
    );
  });
}
