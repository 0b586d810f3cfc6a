import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  licenseRegister,
  listOpenDatasets,
  MonthlyUsage,
  monthlyUsage,
  OPEN_PAGE_MAX,
  OpenDataset,
  RegisteredLicense,
  readOpenRows,
} from "../../control/open-data.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type AddressLimiter, clientAddress, type GatewayEnv } from "../auth.ts";
import { named } from "../named-schema.ts";
import { negotiateFormat, toCsv } from "../output-formats.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { NOT_FOUND_ERROR, PUBLIC_ERRORS, problem } from "../problem.ts";

/**
 * The public face of the domain, without a key: open (grade-1) data page by page, the register of
 * granted licenses, and monthly usage statistics. Every request counts against its address's
 * limit; open reads are audited and metered (control/open-data.ts).
 */

export const PUBLIC_PREFIX = "/v1/public/";

// Schemas from control/ are plain zod (the domain layer knows nothing of OpenAPI): used as they are.
const OpenDatasetDoc = named(OpenDataset, "OpenDataset");
const RegisteredLicenseDoc = named(RegisteredLicense, "RegisteredLicense");
const MonthlyUsageDoc = named(MonthlyUsage, "MonthlyUsage");
/** No key: the OpenAPI document says so with an empty security requirement. */
const security: [] = [];
const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const listRoute = createRoute({
  method: "get",
  path: "/v1/public/datasets",
  operationId: "listOpenDatasets",
  tags: ["public"],
  security,
  summary:
    "Open data: the grade-1 datasets anyone may read without a key or license, with the columns served (columns the bureau tightened are listed as withheld).",
  responses: {
    200: {
      description: "The open datasets.",
      content: {
        "application/json": {
          schema: z.object({ datasets: z.array(OpenDatasetDoc) }).openapi("OpenDatasetList"),
        },
      },
    },
    ...PUBLIC_ERRORS,
  },
});

const rowsRoute = createRoute({
  method: "get",
  path: "/v1/public/datasets/{name}/rows",
  operationId: "getOpenDatasetRows",
  tags: ["public"],
  security,
  summary: `One page of an open dataset's rows (at most ${OPEN_PAGE_MAX}), in storage order; pass \`next\` as \`cursor\` for the following page. A cursor keeps reading the data version it started on. \`Accept: text/csv\` for CSV (then the \`x-next-cursor\` header holds the next page's cursor and \`x-row-count\` the rows in this one). Grade 2–4 datasets answer 403: they are analysed through licensed jobs.`,
  request: {
    params: z.object({
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/)
        .openapi({ example: "air_quality" }),
    }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(OPEN_PAGE_MAX).optional().openapi({ example: 1000 }),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: {
      description: "A page of rows.",
      content: {
        "application/json": {
          schema: z
            .object({
              dataset: z.string(),
              dataVersion: z.number().int(),
              columns: z.array(z.object({ name: z.string(), type: z.string() })),
              rows: z.array(z.record(z.string(), Cell)),
              next: z.string().nullable(),
            })
            .openapi("OpenDataRows"),
        },
        "text/csv": { schema: z.string() },
      },
    },
    ...PUBLIC_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const licensesRoute = createRoute({
  method: "get",
  path: "/v1/public/licenses",
  operationId: "listRegisteredLicenses",
  tags: ["public"],
  security,
  summary:
    "The public register of licenses (授权公示): every license granted, with the operator's organisation, purpose, datasets, window and status, newest first, a page at a time.",
  request: { query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of the register and the cursor of the next.",
      content: {
        "application/json": { schema: pageOf("licenses", RegisteredLicenseDoc, "RegisteredLicenseList") },
      },
    },
    ...PUBLIC_ERRORS,
  },
});

const usageRoute = createRoute({
  method: "get",
  path: "/v1/public/usage",
  operationId: "getPublicUsage",
  tags: ["public"],
  security,
  summary:
    "Monthly usage statistics per dataset: jobs that read it, operators, open-data pages and rows served. Counts of uses only; nothing about a data subject.",
  request: {
    query: z.object({
      month: z
        .string()
        .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "YYYY-MM, such as 2026-11")
        .openapi({ example: "2026-11" }),
    }),
  },
  responses: {
    200: {
      description: "The month's statistics.",
      content: { "application/json": { schema: MonthlyUsageDoc } },
    },
    ...PUBLIC_ERRORS,
  },
});

export interface PublicDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
  readonly dataDomain: Pick<DataDomain, "connect">;
  /** Requests one address may make to the public routes per window. */
  readonly publicLimiter: AddressLimiter;
}

export function registerPublicRoutes(app: OpenAPIHono<GatewayEnv>, deps: PublicDeps): void {
  app.use(`${PUBLIC_PREFIX}*`, async function limitPublicRequests(c, next) {
    const address = clientAddress(c);
    const wait = deps.publicLimiter.blockedFor(address);
    if (wait > 0) {
      c.header("retry-after", String(wait));
      return problem(c, "RATE_LIMITED", `too many public requests from this address; retry in ${wait} s`);
    }
    deps.publicLimiter.record(address);
    await next();
  });

  app.openapi(listRoute, async (c) => c.json({ datasets: await listOpenDatasets(deps.controlPlane) }, 200));

  app.openapi(rowsRoute, async (c) => {
    const { name } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const page = await readOpenRows(
      { store: deps.controlPlane, audit: deps.audit, dataDomain: deps.dataDomain },
      { dataset: name, limit, cursor, address: clientAddress(c) },
    );
    if (negotiateFormat(c.req.header("accept")) === "csv") {
      const header = `${page.columns.map((column) => column.name).join(",")}\r\n`;
      return c.body(page.rows.length ? toCsv(page.rows) : header, 200, {
        "content-type": "text/csv; charset=utf-8",
        "x-data-version": String(page.dataVersion),
        "x-row-count": String(page.rows.length),
        ...(page.next ? { "x-next-cursor": page.next } : {}),
      });
    }
    return c.json(page, 200);
  });

  app.openapi(licensesRoute, async (c) =>
    c.json(
      pageBody(
        "licenses",
        await licenseRegister(deps.controlPlane, pageRequest(c.req.valid("query"))),
        (l) => l,
      ),
      200,
    ),
  );

  app.openapi(usageRoute, async (c) =>
    c.json(await monthlyUsage(deps.controlPlane, c.req.valid("query").month), 200),
  );
}
