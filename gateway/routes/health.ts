import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { GatewayEnv } from "../auth.ts";
import { problem } from "../problem.ts";

/** What readiness looks at: every store answering, and the process not shutting down. */
export interface ReadinessProbe {
  check(): Promise<{ ready: boolean; checks: Record<string, "ok" | "failing"> }>;
}

const Health = z.object({ status: z.literal("ok") }).openapi("Health");
const Readiness = z
  .object({ status: z.enum(["ready", "not_ready"]), checks: z.record(z.string(), z.enum(["ok", "failing"])) })
  .openapi("Readiness");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["operations"],
  summary: "Liveness: the process is up and serving HTTP.",
  responses: { 200: { description: "Alive.", content: { "application/json": { schema: Health } } } },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["operations"],
  summary: "Readiness: the data domain and control plane answer, and the gateway is not draining.",
  responses: {
    200: { description: "Ready.", content: { "application/json": { schema: Readiness } } },
    503: { description: "Not ready.", content: { "application/json": { schema: Readiness } } },
  },
});

export function registerHealthRoutes(app: OpenAPIHono<GatewayEnv>, probe: ReadinessProbe): void {
  app.openapi(healthz, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyz, async (c) => {
    try {
      const { ready, checks } = await probe.check();
      return ready
        ? c.json({ status: "ready" as const, checks }, 200)
        : c.json({ status: "not_ready" as const, checks }, 503);
    } catch {
      return problem(c, "NOT_READY", "readiness check failed") as never;
    }
  });
}
