import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  DEFAULT_CALIBRATION_EPSILON,
  draftCalibratedBounds,
  MAX_CALIBRATION_EPSILON,
} from "../../control/bounds-draft.ts";
import { noiseSaltOf } from "../../control/domain-key.ts";
import { DEFAULT_MAX_CLAMPED_SHARE } from "../../policies/bounds-calibration.ts";
import { DomainError } from "../../policies/errors.ts";
import { DatasetManifest } from "../../policies/manifest.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { type GatewayEnv, requireRole } from "../auth.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";

const Range = z.object({ min: z.number(), max: z.number(), unitMax: z.number().optional() });

const BoundsDraftDoc = z
  .object({
    dataset: z.string(),
    basedOnVersion: z.number().int(),
    epsilon: z.number(),
    maxClampedShare: z.number(),
    contributionCap: z
      .object({
        declared: z.number().int(),
        drafted: z.number().int(),
        clampedShare: z.number(),
        kept: z.string().nullable(),
      })
      .nullable()
      .openapi({
        description:
          "The cap on the rows one unit adds (`maxContributionsPerUnit`), drafted first where units have several rows (null otherwise): the smallest cap that leaves out at most `maxClampedShare` of the rows, raised above the declared one only when the data show the declared one leaves out more.",
      }),
    columns: z.array(
      z.object({
        column: z.string(),
        declared: Range,
        drafted: Range,
        clampedShare: z.number(),
        kept: z.string().nullable(),
        unitTotal: z.object({ clampedShare: z.number(), kept: z.string().nullable() }).nullable(),
      }),
    ),
    manifest: DatasetManifest,
  })
  .openapi("BoundsDraft");

const draftBounds = createRoute({
  method: "get",
  path: "/v1/datasets/{name}/bounds/draft",
  operationId: "draftCalibratedBounds",
  tags: ["catalog"],
  summary:
    "Draft each bounded numeric column's upper clamp bound from the data, with differential privacy (bureau).",
  description: `Answers the latest policy version's manifest with each numeric \`aggregate\` column's upper bound drafted as the smallest round number (1, 2, 5 × 10ⁿ) that clamps away at most \`maxClampedShare\` of the column's total, estimated from a histogram with ε-DP noise (\`epsilon\` per bound, default ${DEFAULT_CALIBRATION_EPSILON}, at most ${MAX_CALIBRATION_EPSILON}). Where a unit has several rows, the cap on them (\`maxContributionsPerUnit\`) is drafted first, the same way, from a histogram of the units' numbers of rows (rows beyond the cap are what biases counts, sums and means low; the cap scales their noise), and \`bounds.unitMax\` (the most one unit's values add up to in a group) from the units' totals: a release each. A tighter bound makes every noisy sum and mean of the column more precise; the share it clamps is the bias it adds. The same data and parameters give the same draft. Nothing changes: publish the manifest (\`PUT /v1/datasets/{name}/policy\`). Recorded in the audit log with the ε spent.`,
  security: [{ bearer: [] }],
  request: {
    params: z.object({
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/)
        .openapi({ example: "population" }),
    }),
    query: z.object({
      epsilon: z.coerce.number().positive().max(MAX_CALIBRATION_EPSILON).optional(),
      maxClampedShare: z.coerce
        .number()
        .positive()
        .max(0.1)
        .optional()
        .openapi({ example: DEFAULT_MAX_CLAMPED_SHARE }),
    }),
  },
  responses: {
    200: { description: "The draft.", content: { "application/json": { schema: BoundsDraftDoc } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface BoundsDraftRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query">;
  readonly dataDomain: Pick<DataDomain, "connect">;
  readonly audit: AuditSink;
  /** The domain's key: its noise salt seeds the draft's noise (unset: this node drafts no bounds). */
  readonly domainSigningKey?: { readonly privateKey: Parameters<typeof noiseSaltOf>[0] };
}

/** Drafting bounds from the data: the bureau's, like drafting dummy shapes. */
export function registerBoundsDraftRoutes(app: OpenAPIHono<GatewayEnv>, deps: BoundsDraftRouteDeps): void {
  const bureau = requireRole(deps.controlPlane, "bureau");
  const noiseSalt = deps.domainSigningKey ? noiseSaltOf(deps.domainSigningKey.privateKey) : null;
  app.openapi({ ...draftBounds, middleware: bureau }, async (c) => {
    if (!noiseSalt)
      throw new DomainError("NOT_READY", "this node holds no domain key: ask a node that signs statements");
    const { epsilon, maxClampedShare } = c.req.valid("query");
    const draft = await draftCalibratedBounds(
      { store: deps.controlPlane, dataDomain: deps.dataDomain, audit: deps.audit, noiseSalt },
      c.get("principal"),
      c.req.valid("param").name,
      {
        ...(epsilon === undefined ? {} : { epsilon }),
        ...(maxClampedShare === undefined ? {} : { maxClampedShare }),
      },
    );
    return c.json(draft, 200);
  });
}
