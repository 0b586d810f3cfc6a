import { Readable } from "node:stream";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import { supplyDataVersion, type UploadFormat } from "../../control/data-supply.ts";
import { DataVersionInfo, listDataVersions, restoreDataVersion } from "../../control/data-versions.ts";
import { DomainError } from "../../policies/errors.ts";
import type { DataFileEncryption } from "../../storage/at-rest/data-file-key.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { NextCursor, PAGE_QUERY, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR, problem } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";

const security = [{ bearer: [] }];
const problemContent = COMMON_ERRORS[400].content;

/** Media types of an upload, and the format each names. */
export const UPLOAD_TYPES: Readonly<Record<string, UploadFormat>> = {
  "application/vnd.apache.parquet": "parquet",
  "text/csv": "csv",
};

/** The path of an upload: the only route whose body may exceed MAX_BODY_BYTES (it has its own limit). */
export const DATA_UPLOAD_PATH = /^\/v1\/datasets\/[^/]+\/versions\/?$/;

const DataVersionDoc = z.object(DataVersionInfo.shape).openapi("DataVersion", {
  example: {
    dataset: "air_quality",
    version: 2,
    format: "csv",
    sha256: "4f1c9e0b7d2a5c8e1f3b6a9d0c2e5f8a1b4d7c0e3f6a9b2c5d8e1f4a7b0c3d6e",
    fileSha256: "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
    rows: 105120,
    bytes: 5242880,
    suppliedBy: "pri_3c1e…",
    suppliedAt: "2026-12-05T08:00:00.000Z",
    note: "2026 readings, stations re-calibrated",
    current: true,
  },
});

const DataVersionList = z
  .object({
    dataset: z.string(),
    /** The version new jobs read; null before any data was supplied. */
    current: z.number().int().nullable(),
    versions: z.array(DataVersionDoc),
    next: NextCursor,
  })
  .openapi("DataVersionList");

const DatasetName = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/)
    .openapi({ example: "air_quality" }),
});

const binary = z.string().openapi({ type: "string", format: "binary" });

const supplyRoute = createRoute({
  method: "post",
  path: "/v1/datasets/{name}/versions",
  operationId: "supplyDataVersion",
  tags: ["data versions"],
  summary:
    "Supply a new data version of a dataset (bureau, or the dataset's holder): the body is the file, Parquet or CSV with a header row, streamed; checked against the manifest (same columns, values convertible to the declared types), stored, hashed, logged and made current for new jobs. A refused file changes nothing and the answer says what is wrong.",
  security,
  request: {
    params: DatasetName,
    query: z.object({
      note: z.string().trim().min(1).max(500).optional().openapi({ example: "2026 readings" }),
    }),
    body: {
      required: true,
      description: "The file itself (not JSON). Its size is limited by DATA_UPLOAD_MAX_BYTES.",
      content: { "application/vnd.apache.parquet": { schema: binary }, "text/csv": { schema: binary } },
    },
  },
  responses: {
    201: {
      description: "The version, now current.",
      content: { "application/json": { schema: DataVersionDoc } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
    413: { description: "The upload exceeds DATA_UPLOAD_MAX_BYTES.", content: problemContent },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/versions",
  operationId: "listDataVersions",
  tags: ["data versions"],
  summary:
    "The data versions of a dataset with who supplied them, their rows and SHA-256, and which is current (bureau, auditors, the dataset's holders), oldest first, a page at a time.",
  security,
  request: { params: DatasetName, query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "The current version, a page of versions (oldest first) and the cursor of the next.",
      content: { "application/json": { schema: DataVersionList } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const restoreRoute = createRoute({
  method: "post",
  path: "/v1/datasets/{name}/versions/{version}/restore",
  operationId: "restoreDataVersion",
  tags: ["data versions"],
  summary:
    "Make an earlier data version current again (bureau, or the dataset's holder). New jobs read it; running jobs keep the version they started on; nothing is deleted.",
  security,
  request: {
    params: DatasetName.extend({ version: z.coerce.number().int().positive().openapi({ example: 1 }) }),
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            .object({ note: z.string().trim().min(1).max(500).optional() })
            .strict()
            .openapi("DataVersionRestore", {
              example: { note: "version 2 has a station offset; back to 1" },
            }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "The version, now current.",
      content: { "application/json": { schema: DataVersionDoc } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

export interface DataVersionRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly audit: AuditSink;
  readonly dataSupply?: {
    readonly datasetsDir: string;
    readonly maxUploadBytes: number;
    /** With a KEK: version files are written encrypted. */
    readonly encryption?: DataFileEncryption | undefined;
  };
}

/** Data versions: holders and the bureau supply and restore them; auditors read them too. */
export function registerDataVersionRoutes(app: OpenAPIHono<GatewayEnv>, deps: DataVersionRouteDeps): void {
  const suppliers = requireRole(deps.controlPlane, "bureau", "holder");
  const readers = requireRole(deps.controlPlane, "bureau", "auditor", "holder");
  const supply = () => {
    if (!deps.dataSupply) throw new DomainError("NOT_READY", "this node takes no data versions");
    return deps.dataSupply;
  };

  app.openapi({ ...supplyRoute, middleware: suppliers }, async (c) => {
    const { name } = c.req.valid("param");
    const { note } = c.req.valid("query");
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const format = UPLOAD_TYPES[mediaType];
    if (!format) {
      return problem(
        c,
        "BAD_REQUEST",
        `send the file as ${Object.keys(UPLOAD_TYPES).join(" or ")} (got ${mediaType || "no content type"})`,
      ) as never;
    }
    const { datasetsDir, maxUploadBytes, encryption } = supply();
    const stream = c.req.raw.body;
    const body: AsyncIterable<Uint8Array> = stream
      ? Readable.fromWeb(stream as Parameters<typeof Readable.fromWeb>[0])
      : (async function* () {})();
    const version = await supplyDataVersion(
      { store: deps.controlPlane, audit: deps.audit, datasetsDir, maxBytes: maxUploadBytes, encryption },
      c.get("principal"),
      { dataset: name, format, body, ...(note === undefined ? {} : { note }) },
    );
    return c.json(version, 201);
  });

  app.openapi({ ...listRoute, middleware: readers }, async (c) => {
    const { name } = c.req.valid("param");
    return c.json(
      await listDataVersions(deps.controlPlane, c.get("principal"), name, pageRequest(c.req.valid("query"))),
      200,
    );
  });

  app.openapi({ ...restoreRoute, middleware: suppliers }, async (c) => {
    const { name, version } = c.req.valid("param");
    const note = (c.req.header("content-type") ?? "").includes("json")
      ? (c.req.valid("json") as { note?: string } | undefined)?.note
      : undefined;
    const restored = await restoreDataVersion(
      { store: deps.controlPlane, audit: deps.audit, datasetsDir: supply().datasetsDir },
      c.get("principal"),
      { dataset: name, version, ...(note === undefined ? {} : { note }) },
    );
    return c.json(restored, 200);
  });
}
