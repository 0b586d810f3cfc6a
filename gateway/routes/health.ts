import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AtRestReport } from "../../control/at-rest.ts";
import { type Freeze, FreezeScope } from "../../control/freezes.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { ContainmentReport } from "../../sandbox/containment.ts";
import { log } from "../../telemetry/log.ts";
import type { GatewayEnv } from "../auth.ts";
import { problem } from "../problem.ts";

/** What readiness looks at: every store answering, and the process not shutting down. */
export interface ReadinessProbe {
  check(): Promise<{
    ready: boolean;
    checks: Record<string, "ok" | "failing">;
    /** What is wrong, in words that name no secret (e.g. which data version this node lacks). */
    problems?: string[];
    /** The OS containment of this node's sandbox workers, when it runs jobs. */
    containment?: ContainmentReport;
    /** Whether this node's signing key, secrets and data files are encrypted at rest. */
    atRest?: AtRestReport;
    /** Where this node takes client certificates from, and which keys need one. */
    clientCertificates?: ClientCertificateMode;
  }>;
}

const Health = z.object({ status: z.literal("ok") }).openapi("Health");
const LiveFreeze = z.object({
  id: z.string(),
  scope: FreezeScope,
  target: z.string().nullable(),
  since: Timestamp,
});
const Containment = z
  .object({
    mode: z.enum(["strict", "best-effort", "off"]),
    /** Each layer and whether it is in force: network, mount, pid, uid, seccomp, dieWithParent, cgroups. */
    layers: z.record(z.string(), z.boolean()),
    /** The layers the host refused (best-effort mode starts without them, strict does not start). */
    missing: z.array(z.string()),
  })
  .openapi("WorkerContainment");
const AtRest = z
  .object({
    encryption: z.enum(["on", "off"]),
    /** The key-encryption key's id (a hash that reveals nothing of it) and where it came from. */
    kek: z.string().optional(),
    source: z.string().optional(),
    /** Why it matters, when off. */
    warning: z.string().optional(),
  })
  .openapi("AtRestEncryption");
const ClientCertificates = z
  .object({
    /**
     * Where client certificates come from: this node's own TLS connections (`direct`), the header a
     * trusted TLS-terminating proxy sets (`forwarded`), both, or nowhere (`off`). The header's name
     * and the proxies' addresses are not shown: this route needs no key.
     */
    mode: z.enum(["off", "direct", "forwarded", "direct-and-forwarded"]),
    /** Which keys must be bound to a client certificate (TLS_CLIENT_CERT_REQUIRED). */
    required: z.enum(["none", "operators", "all"]),
    /** Whether certificates are checked against the client CA's CRL (TLS_CLIENT_CRL_FILE). */
    revocation: z.boolean(),
    /**
     * When the first CRL in force reaches its next update (RFC 3339): from then every certificate
     * of its CA is refused until a newer CRL is loaded (SIGHUP). For monitoring to alert on ahead.
     */
    crlsValidUntil: z.string().optional(),
  })
  .openapi("ClientCertificateMode");
export type ClientCertificateMode = z.infer<typeof ClientCertificates>;

const Readiness = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.record(z.string(), z.enum(["ok", "failing"])),
    /**
     * The bureau's live freezes (emergency stops); null when they could not be read. A freeze
     * does not make the node unready: it is a governance state, not a fault, and the node must keep
     * answering (refusing frozen work with FROZEN, serving reads and reviews).
     */
    freezes: z.array(LiveFreeze).nullable().optional(),
    /** True while the whole domain is frozen. */
    frozen: z.boolean().optional(),
    /** What is wrong when not ready, e.g. which data version this node lacks. */
    problems: z.array(z.string()).optional(),
    /** The OS containment of this node's sandbox workers; absent on a gateway-only node. */
    containment: Containment.optional(),
    /** Encryption at rest on this node: on under which key-encryption key, or off (no KEK configured). */
    atRest: AtRest.optional(),
    /** Where this node takes client certificates from (mutual TLS), and which keys need one. */
    clientCertificates: ClientCertificates.optional(),
  })
  .openapi("Readiness");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "getLiveness",
  // Probes answer without a key (load balancers and orchestrators call them).
  security: [],
  tags: ["operations"],
  summary: "Liveness: the process is up and serving HTTP.",
  responses: { 200: { description: "Alive.", content: { "application/json": { schema: Health } } } },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadiness",
  security: [],
  tags: ["operations"],
  summary:
    "Readiness: the data domain and control plane answer, and the gateway is not draining. Lists the bureau's live freezes; a freeze (even domain-wide) leaves the node ready (200), with `frozen: true` when the whole domain is frozen.",
  responses: {
    200: { description: "Ready.", content: { "application/json": { schema: Readiness } } },
    503: { description: "Not ready.", content: { "application/json": { schema: Readiness } } },
  },
});

export function registerHealthRoutes(
  app: OpenAPIHono<GatewayEnv>,
  probe: ReadinessProbe,
  freezes?: () => Promise<readonly Freeze[]>,
): void {
  app.openapi(healthz, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyz, async (c) => {
    try {
      const { ready, checks, problems, containment, atRest, clientCertificates } = await probe.check();
      const live = freezes
        ? await freezes().then(
            (list) => list.map((f) => ({ id: f.id, scope: f.scope, target: f.target, since: f.frozenAt })),
            () => null,
          )
        : undefined;
      const shown = {
        ...(live === undefined
          ? {}
          : { freezes: live, frozen: live?.some((f) => f.scope === "domain") ?? false }),
        ...(containment ? { containment } : {}),
        ...(atRest ? { atRest } : {}),
        ...(clientCertificates ? { clientCertificates } : {}),
      };
      return ready
        ? c.json({ status: "ready" as const, checks, ...shown }, 200)
        : c.json(
            { status: "not_ready" as const, checks, ...shown, ...(problems?.length ? { problems } : {}) },
            503,
          );
    } catch (error) {
      log.error("the readiness check failed", { error });
      return problem(c, "NOT_READY", "readiness check failed") as never;
    }
  });
}
