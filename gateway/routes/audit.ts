import { createPublicKey } from "node:crypto";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { stream } from "hono/streaming";
import { auditCsv, auditJsonLines } from "../../audit/export.ts";
import { AuditFilter } from "../../audit/query.ts";
import { keyFingerprint } from "../../audit/signing-key.ts";
import type { StoreAuditLedger } from "../../audit/store-ledger.ts";
import type { AuditSink } from "../../control/audit-sink.ts";
import { DomainError } from "../../policies/errors.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { negotiateFormat } from "../output-formats.ts";
import { COMMON_ERRORS } from "../problem.ts";

const security = [{ bearer: [] }];

/** The filter as query-string text: numbers and lists arrive as strings. */
const FilterQuery = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  job: z.string().optional(),
  operator: z.string().optional(),
  license: z.string().optional(),
  dataset: z.string().optional(),
  type: z
    .string()
    .optional()
    .openapi({ description: "An event type, a family such as `output.*`, or a comma-separated list." }),
  after: z.coerce.number().int().min(-1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

function toFilter(query: z.infer<typeof FilterQuery>, defaultLimit?: number) {
  const types = query.type
    ?.split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  const parsed = AuditFilter.safeParse({
    ...query,
    ...(types ? { type: types.length === 1 ? types[0] : types } : {}),
    ...(query.limit === undefined && defaultLimit ? { limit: defaultLimit } : {}),
  });
  if (!parsed.success) {
    throw new DomainError(
      "BAD_REQUEST",
      `invalid filter: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`,
    );
  }
  return parsed.data;
}

const Entry = z.object({
  v: z.number(),
  position: z.number().int(),
  time: Timestamp,
  type: z.string(),
  actor: z.string(),
  subjects: z.record(z.string(), z.unknown()),
  data: z.record(z.string(), z.unknown()),
  prev: z.string(),
  hash: z.string(),
});

const listAudit = createRoute({
  method: "get",
  path: "/v1/audit",
  operationId: "listAuditEntries",
  tags: ["audit"],
  summary:
    "Audit entries, oldest first, filtered by time, job, operator, license, dataset and type; page with `after`.",
  security,
  request: { query: FilterQuery },
  responses: {
    200: {
      description: "Entries and the `after` value of the next page, if any.",
      content: {
        "application/json": {
          schema: z
            .object({ entries: z.array(Entry), next: z.number().int().nullable() })
            .openapi("AuditPage"),
        },
      },
    },
    ...COMMON_ERRORS,
  },
});

const verifyAudit = createRoute({
  method: "get",
  path: "/v1/audit/verify",
  operationId: "verifyAuditLog",
  tags: ["audit"],
  summary:
    "Verify the whole log: chain, hashes, order and checkpoint signatures; names the first bad position.",
  security,
  responses: {
    200: {
      description: "The verification.",
      content: {
        "application/json": {
          schema: z
            .object({
              valid: z.boolean(),
              entries: z.number().int(),
              firstBad: z.object({ position: z.number().int(), reason: z.string() }).passthrough().optional(),
              lastCheckpoint: z.record(z.string(), z.unknown()).optional(),
              head: z.record(z.string(), z.unknown()).optional(),
            })
            .openapi("AuditVerification"),
        },
      },
    },
    ...COMMON_ERRORS,
  },
});

const publicKey = createRoute({
  method: "get",
  path: "/v1/audit/public-key",
  operationId: "getDomainPublicKey",
  tags: ["audit"],
  summary: "The domain's Ed25519 public key: verifies checkpoints and release receipts offline.",
  security,
  responses: {
    200: {
      description: "PEM and fingerprint.",
      content: {
        "application/json": {
          schema: z.object({ publicKey: z.string(), fingerprint: z.string() }).openapi("DomainPublicKey"),
        },
      },
    },
    ...COMMON_ERRORS,
  },
});

const checkpoint = createRoute({
  method: "post",
  path: "/v1/audit/checkpoint",
  operationId: "createAuditCheckpoint",
  tags: ["audit"],
  summary:
    "Have the domain sign a checkpoint of the log now; keep it to detect later truncation or rewriting.",
  security,
  responses: {
    200: {
      description: "The signed checkpoint (null when the log has no entry since the last one).",
      content: {
        "application/json": {
          schema: z
            .object({ checkpoint: z.record(z.string(), z.unknown()).nullable() })
            .openapi("AuditCheckpoint"),
        },
      },
    },
    ...COMMON_ERRORS,
  },
});

const exportAudit = createRoute({
  method: "get",
  path: "/v1/audit/export",
  operationId: "exportAuditLog",
  tags: ["audit"],
  summary:
    "Export the log (or a filtered part) as JSON lines or CSV. A full JSON-lines export verifies offline.",
  security,
  request: {
    query: FilterQuery.extend({
      format: z
        .enum(["jsonl", "csv"])
        .optional()
        .openapi({ description: "Overrides `Accept` (`text/csv`: CSV; anything else: JSON lines)." }),
    }),
  },
  responses: {
    200: {
      description: "The export.",
      content: { "application/x-ndjson": { schema: z.string() }, "text/csv": { schema: z.string() } },
    },
    ...COMMON_ERRORS,
  },
});

export interface AuditRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query">;
  readonly audit: AuditSink;
  readonly auditLedger: Pick<StoreAuditLedger, "query" | "verify" | "checkpoint">;
  readonly domainPublicKeyPem: string;
}

/** Audit routes: auditors and the bureau read and verify the log; the public key is open to every role. */
export function registerAuditRoutes(app: OpenAPIHono<GatewayEnv>, deps: AuditRouteDeps): void {
  const readers = requireRole(deps.controlPlane, "auditor", "bureau");
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");
  app.use("/v1/audit/public-key", anyRole);
  app.on(
    ["GET", "POST"],
    ["/v1/audit", "/v1/audit/verify", "/v1/audit/export", "/v1/audit/checkpoint"],
    readers,
  );
  const fingerprint = keyFingerprint(createPublicKey(deps.domainPublicKeyPem));

  app.openapi(listAudit, async (c) => {
    const filter = toFilter(c.req.valid("query"), 100);
    const entries = [];
    for await (const entry of deps.auditLedger.query(filter)) entries.push(entry);
    const full = entries.length === filter.limit;
    return c.json({ entries, next: full ? (entries.at(-1)?.position ?? null) : null }, 200);
  });

  app.openapi(verifyAudit, async (c) => {
    const result = await deps.auditLedger.verify();
    return c.json(
      {
        valid: result.valid,
        entries: result.entries,
        ...(result.firstBad ? { firstBad: { ...result.firstBad } } : {}),
        ...(result.lastCheckpoint ? { lastCheckpoint: { ...result.lastCheckpoint } } : {}),
        ...(result.head ? { head: { ...result.head } } : {}),
      },
      200,
    );
  });

  app.openapi(publicKey, (c) => c.json({ publicKey: deps.domainPublicKeyPem, fingerprint }, 200));

  app.openapi(checkpoint, async (c) => {
    const signed = await deps.auditLedger.checkpoint();
    return c.json({ checkpoint: signed ? { ...signed } : null }, 200);
  });

  app.openapi(exportAudit, async (c) => {
    const { format: asked, ...query } = c.req.valid("query");
    // Chosen by Accept like every other answer with several forms; `format` is kept for links.
    const format = asked ?? (negotiateFormat(c.req.header("accept")) === "csv" ? "csv" : "jsonl");
    const filter = toFilter(query);
    const principal = c.get("principal");
    await deps.audit.append({
      type: "audit.exported",
      actor: principal.id,
      subject: {},
      data: { format, filter: { ...filter } },
    });
    const csv = format === "csv";
    c.header("content-type", csv ? "text/csv; charset=utf-8" : "application/x-ndjson");
    c.header("content-disposition", `attachment; filename="audit.${csv ? "csv" : "jsonl"}"`);
    return stream(c, async (out) => {
      const chunks = csv
        ? auditCsv(deps.auditLedger.query(filter))
        : auditJsonLines(deps.auditLedger.query(filter));
      for await (const chunk of chunks) await out.write(chunk);
    }) as never;
  });

  // Published without authentication too: whoever holds a receipt must be able to check it.
  app.get("/.well-known/aos-domain-key.pem", (c) =>
    c.body(deps.domainPublicKeyPem, 200, { "content-type": "application/x-pem-file" }),
  );
}
