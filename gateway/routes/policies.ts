import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  diffManifests,
  getPolicyVersion,
  listPolicyVersions,
  PolicyChange,
  PolicyVersionDetail,
  PolicyVersionInfo,
  publishPolicy,
} from "../../control/policy-versions.ts";
import { DatasetManifest } from "../../policies/manifest.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { named } from "../named-schema.ts";
import { PAGE_QUERY, pageBody, pageOf, pageRequest } from "../paging.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";
import { CONFLICT_ERROR } from "./operators.ts";
import { ProposalDoc } from "./proposals.ts";

const security = [{ bearer: [] }];
const DatasetName = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/)
    .openapi({ example: "population" }),
});
const VersionParams = DatasetName.extend({ version: z.coerce.number().int().positive() });
const VersionDoc = named(PolicyVersionDetail, "PolicyVersion");
const ManifestDoc = named(DatasetManifest, "DatasetManifest");

const publishRoute = createRoute({
  method: "put",
  path: "/v1/datasets/{name}/policy",
  operationId: "publishPolicy",
  tags: ["policies"],
  summary:
    "Publish a dataset's manifest. A change that only tightens is in force at once as a new policy version (201). A loosening (or a new dataset's registration) is not applied: it becomes a proposal that a second bureau officer approves (202, see /v1/proposals). The table must exist with exactly the declared columns. Running jobs keep the version they started under.",
  security,
  request: {
    params: DatasetName,
    query: z.object({ note: z.string().min(1).max(2000).optional() }),
    body: {
      required: true,
      content: { "application/json": { schema: ManifestDoc } },
    },
  },
  responses: {
    201: {
      description: "The change only tightens: the new version, in force now.",
      content: { "application/json": { schema: VersionDoc } },
    },
    202: {
      description:
        "The change loosens (or registers a dataset): nothing is applied yet; the proposal awaits a second officer.",
      content: { "application/json": { schema: ProposalDoc } },
    },
    ...COMMON_ERRORS,
    ...CONFLICT_ERROR,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/policy/versions",
  operationId: "listPolicyVersions",
  tags: ["policies"],
  summary:
    "The policy versions of a dataset with their author, time and note, oldest first, a page at a time.",
  security,
  request: { params: DatasetName, query: z.object({ ...PAGE_QUERY }) },
  responses: {
    200: {
      description: "A page of versions (oldest first) and the cursor of the next.",
      content: {
        "application/json": { schema: pageOf("versions", PolicyVersionInfo, "PolicyVersionList") },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/policy/versions/{version}",
  operationId: "getPolicyVersion",
  tags: ["policies"],
  summary: "One policy version with its manifest.",
  security,
  request: { params: VersionParams },
  responses: {
    200: { description: "The version.", content: { "application/json": { schema: VersionDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const diffRoute = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/policy/versions/{version}/diff",
  operationId: "diffPolicyVersion",
  tags: ["policies"],
  summary:
    "What changed from version `against` to `version`: a structured list of changed fields, columns and rules.",
  security,
  request: { params: VersionParams, query: z.object({ against: z.coerce.number().int().positive() }) },
  responses: {
    200: {
      description: "The changes.",
      content: {
        "application/json": {
          schema: z
            .object({
              dataset: z.string(),
              from: z.number().int(),
              to: z.number().int(),
              changes: z.array(PolicyChange),
            })
            .openapi("PolicyDiff"),
        },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface PolicyRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "transaction" | "dialect">;
  readonly dataDomain: Pick<DataDomain, "connect">;
  readonly audit: AuditSink;
}

/** Versioned dataset policies: the bureau publishes; the bureau and auditors read the history. */
export function registerPolicyRoutes(app: OpenAPIHono<GatewayEnv>, deps: PolicyRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const readers = requireRole(deps.controlPlane, "bureau", "auditor");

  app.openapi({ ...publishRoute, middleware: bureau }, async (c) => {
    const { name } = c.req.valid("param");
    const { note } = c.req.valid("query");
    const published = await publishPolicy(
      deps.controlPlane,
      deps.dataDomain,
      deps.audit,
      c.get("principal"),
      {
        dataset: name,
        manifest: c.req.valid("json"),
        ...(note === undefined ? {} : { note }),
      },
    );
    return published.status === "published"
      ? c.json(published.version, 201)
      : c.json(published.proposal, 202);
  });

  app.openapi({ ...listRoute, middleware: readers }, async (c) => {
    const page = await listPolicyVersions(
      deps.controlPlane,
      c.req.valid("param").name,
      pageRequest(c.req.valid("query")),
    );
    return c.json(
      pageBody("versions", page, (v) => v),
      200,
    );
  });

  app.openapi({ ...getRoute, middleware: readers }, async (c) => {
    const { name, version } = c.req.valid("param");
    return c.json(await getPolicyVersion(deps.controlPlane, name, version), 200);
  });

  app.openapi({ ...diffRoute, middleware: readers }, async (c) => {
    const { name, version } = c.req.valid("param");
    const { against } = c.req.valid("query");
    const [from, to] = [
      await getPolicyVersion(deps.controlPlane, name, against),
      await getPolicyVersion(deps.controlPlane, name, version),
    ];
    return c.json(
      { dataset: name, from: against, to: version, changes: diffManifests(from.manifest, to.manifest) },
      200,
    );
  });
}
