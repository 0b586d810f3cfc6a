import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

/** Every bureau API route, with the roles it admits. */
const ROUTES: { method: "get" | "post" | "put" | "delete"; path: string; roles: string[] }[] = [
  { method: "post", path: "/v1/operators", roles: ["bureau"] },
  { method: "get", path: "/v1/operators", roles: ["bureau", "auditor"] },
  { method: "get", path: "/v1/operators/{id}", roles: ["bureau", "auditor"] },
  { method: "post", path: "/v1/operators/{id}/{action}", roles: ["bureau"] },
  { method: "post", path: "/v1/principals", roles: ["bureau"] },
  { method: "get", path: "/v1/keys", roles: ["operator", "bureau", "auditor"] },
  { method: "get", path: "/v1/principals/{id}/keys", roles: ["bureau"] },
  { method: "post", path: "/v1/principals/{id}/keys", roles: ["bureau"] },
  { method: "delete", path: "/v1/keys/{prefix}", roles: ["operator", "bureau", "auditor"] },
  { method: "get", path: "/v1/licenses", roles: ["operator", "bureau", "auditor"] },
  { method: "get", path: "/v1/licenses/{id}", roles: ["operator", "bureau", "auditor"] },
  { method: "post", path: "/v1/licenses", roles: ["bureau"] },
  { method: "put", path: "/v1/licenses/{id}", roles: ["bureau"] },
  { method: "post", path: "/v1/licenses/{id}/{action}", roles: ["bureau"] },
  { method: "put", path: "/v1/datasets/{name}/policy", roles: ["bureau"] },
  { method: "get", path: "/v1/datasets/{name}/policy/versions", roles: ["bureau", "auditor"] },
  { method: "get", path: "/v1/datasets/{name}/policy/versions/{version}", roles: ["bureau", "auditor"] },
  { method: "get", path: "/v1/datasets/{name}/policy/versions/{version}/diff", roles: ["bureau", "auditor"] },
  { method: "get", path: "/v1/tariffs", roles: ["operator", "bureau", "auditor"] },
  { method: "put", path: "/v1/tariffs", roles: ["bureau"] },
  { method: "post", path: "/v1/proposals", roles: ["bureau"] },
  { method: "get", path: "/v1/proposals", roles: ["bureau", "auditor"] },
  { method: "get", path: "/v1/proposals/{id}", roles: ["bureau", "auditor"] },
  { method: "post", path: "/v1/proposals/{id}/decision", roles: ["bureau"] },
  { method: "post", path: "/v1/proposals/{id}/withdraw", roles: ["bureau"] },
  { method: "post", path: "/v1/freezes", roles: ["bureau"] },
  { method: "get", path: "/v1/freezes", roles: ["operator", "bureau", "auditor"] },
  { method: "get", path: "/v1/freezes/{id}", roles: ["operator", "bureau", "auditor"] },
  { method: "post", path: "/v1/freezes/{id}/lift", roles: ["bureau"] },
];

/** A concrete path for a template: ids that exist, so a refusal is about the role and nothing else. */
function concrete(path: string, prefix: string): string {
  return path
    .replace("{id}/{action}", "{id}/suspend")
    .replace("/v1/licenses/{id}", "/v1/licenses/lic_demo_urban_analytics")
    .replace("{id}", gw.demoOperatorId)
    .replace("{prefix}", prefix)
    .replace("{name}", "population")
    .replace("{version}", "1")
    .replace("/diff", "/diff?against=1");
}

describe("bureau API contract", () => {
  it("documents every route with bearer security and the common error responses", async () => {
    const doc = await gw.anonymous.get<{
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    }>("/openapi.json");
    for (const route of ROUTES) {
      const operation = doc.body.paths[route.path]?.[route.method];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(["400", "401", "403", "500"]));
    }
  });

  it("refuses each role a route does not admit with 403, and no key with 401, changing nothing", async () => {
    const prefix = (await gw.operator.get<{ keys: { prefix: string }[] }>("/v1/keys")).body.keys[0]!.prefix;
    const clients = { operator: gw.operator, bureau: gw.bureau, auditor: gw.auditor };
    // Refused authentications are audited themselves; what matters is that no change was recorded.
    const changes = () => gw.audit.events.filter((e) => e.type !== "auth.failed").length;
    const recorded = changes();
    for (const route of ROUTES) {
      const path = concrete(route.path, prefix);
      const body = route.method === "get" || route.method === "delete" ? undefined : { reason: "x" };
      const call = (client: (typeof clients)["bureau"]) =>
        route.method === "get" || route.method === "delete"
          ? client[route.method](path)
          : client[route.method](path, body);
      expect((await call(gw.anonymous)).status, `anonymous ${route.method} ${path}`).toBe(401);
      for (const [role, client] of Object.entries(clients)) {
        if (route.roles.includes(role)) continue;
        const res = await call(client);
        expect(res.status, `${role} ${route.method} ${path}`).toBe(403);
        expect(res.contentType).toContain("application/problem+json");
      }
    }
    expect(changes()).toBe(recorded);
    expect((await gw.operator.get("/v1/keys")).status).toBe(200);
  });
});
