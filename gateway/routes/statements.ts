import type { KeyObject } from "node:crypto";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  getStatement,
  issueStatement,
  listStatements,
  StatementQuery,
  statementRows,
  verifyIssuedStatement,
} from "../../control/settlement.ts";
import { statementPdf } from "../../control/statement-pdf.ts";
import {
  StatementDocument,
  StatementRequest,
  StatementSummary,
  StatementVerification,
  statementDigestOf,
} from "../../policies/statement.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { toCsv } from "../output-formats.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";

const StatementDoc = named(StatementDocument, "Statement");
const security = [{ bearer: [] }];
const StatementId = z.object({ id: z.string().min(1).max(100).openapi({ example: "stm_5b1c…" }) });
const PDF = "application/pdf";

const issueRoute = createRoute({
  method: "post",
  path: "/v1/statements",
  operationId: "issueStatement",
  tags: ["settlement"],
  summary:
    "Issue a party's signed monthly statement (bureau): an operator's (what it owes, per license × dataset) or a holder department's (what its data earned, per dataset × operator), recomputed from the jobs' recorded usage and the tariff versions. Only a month that has ended, with all its jobs finished, is settled. Issuing the same month again answers the same statement (200).",
  security,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: named(StatementRequest, "StatementRequest"),
          example: { period: "2026-11", party: { kind: "operator", id: "ope_4f2a…" } },
        },
      },
    },
  },
  responses: {
    201: {
      description: "The statement, issued now (its `statement.issued` entry names its hash).",
      content: { "application/json": { schema: StatementDoc } },
    },
    200: {
      description: "The statement issued earlier for this month and party: recomputation gave the same body.",
      content: { "application/json": { schema: StatementDoc } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
    ...CONFLICT_ERROR,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/statements",
  operationId: "listStatements",
  tags: ["settlement"],
  summary:
    "Issued statements, newest month first, a page at a time: all for the bureau and auditors, an operator's own, a holder member's department's. `party` is an operator id or a department name.",
  security,
  request: { query: StatementQuery.extend(PAGE_QUERY) },
  responses: {
    200: {
      description: "A page of statements and the cursor of the next.",
      content: { "application/json": { schema: pageOf("statements", StatementSummary, "StatementList") } },
    },
    ...COMMON_ERRORS,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/statements/{id}",
  operationId: "getStatement",
  tags: ["settlement"],
  summary:
    "One statement, by the Accept header: `application/json` (the signed document: body, digest (`sha256`, or `sm3` in a domain of the `sm` crypto profile), signature — what `aos statement verify` checks), `text/csv` (its lines and a total row) or `application/pdf` (printable, with its hash and signature). 404 for another party's.",
  security,
  request: { params: StatementId },
  responses: {
    200: {
      description: "The statement.",
      content: {
        "application/json": { schema: StatementDoc },
        "text/csv": { schema: z.string() },
        [PDF]: { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const verifyRoute = createRoute({
  method: "post",
  path: "/v1/statements/{id}/verify",
  operationId: "verifyStatement",
  tags: ["settlement"],
  summary:
    "Verify an issued statement: its hash and signature against the domain key, its lines against its totals, and every figure against a recomputation from the jobs and tariffs (`differences` names each that differs).",
  security,
  request: { params: StatementId },
  responses: {
    200: {
      description: "The verification: `valid`, each check, and the figures that differ.",
      content: { "application/json": { schema: named(StatementVerification, "StatementVerification") } },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface StatementRouteDeps {
  readonly controlPlane: SqlStore;
  readonly audit: AuditSink;
  readonly domainPublicKeyPem: string;
  /** The domain key's private half: a gateway without it issues no statements (NOT_READY). */
  readonly domainSigningKey?: { readonly privateKey: KeyObject };
}

/** Which export the Accept header asks for: JSON unless CSV or PDF is named first. */
function exportFormat(accept: string | undefined): "json" | "csv" | "pdf" {
  for (const part of (accept ?? "").split(",")) {
    const type = part.split(";")[0]!.trim().toLowerCase();
    if (type === PDF) return "pdf";
    if (type === "text/csv") return "csv";
    if (type === "application/json" || type === "*/*") return "json";
  }
  return "json";
}

/** Settlement statements: the bureau issues them; each party reads and verifies its own. */
export function registerStatementRoutes(app: OpenAPIHono<GatewayEnv>, deps: StatementRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const readers = requireRole(deps.controlPlane, "bureau", "auditor", "operator", "holder");
  const verbs = {
    store: deps.controlPlane,
    audit: deps.audit,
    ...(deps.domainSigningKey ? { signingKey: deps.domainSigningKey.privateKey } : {}),
  };

  app.openapi({ ...issueRoute, middleware: bureau }, async (c) => {
    const issued = await issueStatement(verbs, c.get("principal"), c.req.valid("json"));
    return c.json(issued.statement, issued.reissued ? 200 : 201);
  });

  app.openapi({ ...listRoute, middleware: readers }, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid("query");
    const page = await listStatements(
      deps.controlPlane,
      c.get("principal"),
      filter,
      pageRequest({ limit, cursor }),
    );
    return c.json(
      pageBody("statements", page, (statement) => statement),
      200,
    );
  });

  app.openapi({ ...getRoute, middleware: readers }, async (c) => {
    const document = await getStatement(deps.controlPlane, c.get("principal"), c.req.valid("param").id);
    // The header names the algorithm as the document does: x-statement-sha256 or x-statement-sm3.
    const digest = statementDigestOf(document);
    const headers = { [`x-statement-${digest.algorithm}`]: digest.hex };
    const format = exportFormat(c.req.header("accept"));
    if (format === "csv") {
      return c.body(toCsv(statementRows(document)), 200, {
        ...headers,
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${document.id}.csv"`,
      });
    }
    if (format === "pdf") {
      return c.body(statementPdf(document).buffer as ArrayBuffer, 200, {
        ...headers,
        "content-type": PDF,
        "content-disposition": `attachment; filename="${document.id}.pdf"`,
      });
    }
    return c.json(document, 200, headers);
  });

  app.openapi({ ...verifyRoute, middleware: readers }, async (c) =>
    c.json(
      await verifyIssuedStatement(
        deps.controlPlane,
        c.get("principal"),
        c.req.valid("param").id,
        deps.domainPublicKeyPem,
      ),
      200,
    ),
  );
}
