import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import { currentCatalog } from "../../control/catalog.ts";
import { dummyRows, MAX_DUMMY_ROWS } from "../../control/dummy-data.ts";
import { draftDummyShapes } from "../../control/dummy-draft.ts";
import { DatasetManifest } from "../../policies/manifest.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { negotiateFormat, toCsv } from "../output-formats.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR, problem } from "../problem.ts";

const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const DummyRowsSchema = z.array(z.record(z.string(), Cell)).openapi("DummyRows");

const getDummy = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/dummy",
  operationId: "getDummyRows",
  tags: ["catalog"],
  summary: "Synthetic rows generated from the dataset's manifest only, as JSON or CSV by the Accept header.",
  description:
    "Types, declared values, bounds and date ranges, each column's bureau-approved dummy shape (categories, range, pattern, null rate, distribution), and valid identifier formats that can never be real (division code 990000). Never derived from the domain's rows, so any role may fetch them. The same `seed` gives the same rows.",
  security: [{ bearer: [] }],
  request: {
    params: z.object({
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/)
        .openapi({ example: "population" }),
    }),
    query: z.object({
      rows: z.coerce.number().int().min(1).max(MAX_DUMMY_ROWS).default(100),
      seed: z.coerce
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .optional(),
    }),
  },
  responses: {
    200: {
      description: "Dummy rows.",
      content: {
        "application/json": { schema: DummyRowsSchema },
        "text/csv": { schema: z.string() },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const DummyDraftDoc = z
  .object({
    dataset: z.string(),
    basedOnVersion: z.number().int(),
    manifest: DatasetManifest,
    notes: z.array(z.string()),
  })
  .openapi("DummyDraft");

const draftDummy = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/dummy/draft",
  operationId: "draftDummyShapes",
  tags: ["catalog"],
  summary: "Draft each column's dummy shape from the data, for the bureau to review and propose (bureau).",
  description:
    "Answers the latest policy version's manifest with a drafted `dummy` section per column: null rates rounded to the percent; categories only for `group`/`plain` columns and only those held by at least k units; numeric ranges from the 1st to the 99th percentile rounded outwards to two significant figures; the most common character pattern of text columns. Identifier, `deny` and `join` columns get a null rate only, grade 4 datasets null rates and patterns only. Nothing changes: publish the manifest (`PUT /v1/datasets/{name}/policy`), which a second officer approves since dummy shapes loosen.",
  security: [{ bearer: [] }],
  request: {
    params: z.object({
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/)
        .openapi({ example: "population" }),
    }),
  },
  responses: {
    200: { description: "The draft.", content: { "application/json": { schema: DummyDraftDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface DummyRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query">;
  readonly dataDomain: Pick<DataDomain, "connect">;
  readonly audit: AuditSink;
}

/** Dummy data: open to every role, since it is made from the manifest alone; drafting shapes from the data is the bureau's. */
export function registerDummyRoutes(app: OpenAPIHono<GatewayEnv>, deps: DummyRouteDeps): void {
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");
  const bureau = requireRole(deps.controlPlane, "bureau");
  app.openapi({ ...draftDummy, middleware: bureau }, async (c) => {
    const draft = await draftDummyShapes(
      { store: deps.controlPlane, dataDomain: deps.dataDomain, audit: deps.audit },
      c.get("principal"),
      c.req.valid("param").name,
    );
    return c.json(draft, 200);
  });
  app.openapi({ ...getDummy, middleware: anyRole }, async (c) => {
    const { name } = c.req.valid("param");
    const { rows, seed } = c.req.valid("query");
    const entry = (await currentCatalog(deps.controlPlane)).find((e) => e.manifest.name === name);
    if (!entry) return problem(c, "NOT_FOUND", `no dataset named ${name}`) as never;
    const data = dummyRows(entry.manifest, { rows, ...(seed === undefined ? {} : { seed }) });
    if (negotiateFormat(c.req.header("accept")) === "csv") {
      return c.body(toCsv(data), 200, { "content-type": "text/csv; charset=utf-8" }) as never;
    }
    return c.json(data, 200);
  });
}
