import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.close();
});

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
};

describe("API contract", () => {
  it("documents every /v1 operation with its bearer security and its error responses", async () => {
    const doc = (await gw.anonymous.get<Doc>("/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/v1/"))
      .flatMap(([path, item]) =>
        Object.entries(item).map(([method, op]) => ({ id: `${method} ${path}`, op })),
      );
    expect(operations.length).toBeGreaterThan(30);
    for (const { id, op } of operations) {
      if (id === "post /v1/session") {
        // Signing in is how a console gets its session: it presents a key in the body, not a header.
        expect(op.security, id).toEqual([]);
        continue;
      }
      if (id === "get /v1/session/sign-on") {
        // Whether the console can sign in through the OpenID provider: asked before any sign-in.
        expect(op.security, id).toEqual([]);
        continue;
      }
      if (id === "get /v1/session" || id === "delete /v1/session") {
        expect(op.security, id).toEqual([{ session: [] }]);
        continue;
      }
      if (id.includes(" /v1/public/")) {
        // The public routes take no key, and say so; they are limited per address instead.
        expect(op.security, id).toEqual([]);
        for (const status of ["400", "429", "500"]) expect(Object.keys(op.responses), id).toContain(status);
        expect(Object.keys(op.responses), id).not.toContain("401");
        continue;
      }
      expect(op.security, id).toEqual([{ bearer: [] }]);
      for (const status of ["400", "401", "403", "500"])
        expect(Object.keys(op.responses), id).toContain(status);
    }
    const ids = operations.map((o) => o.id);
    for (const expected of [
      "post /v1/jobs",
      "get /v1/jobs/{id}",
      "get /v1/jobs/{id}/outputs/{name}",
      "get /v1/jobs/{id}/events",
      "get /v1/reviews",
      "post /v1/reviews/{jobId}",
      "get /v1/audit",
      "get /v1/audit/verify",
      "get /v1/audit/public-key",
      "get /v1/usage",
      "get /v1/public/datasets/{name}/rows",
      "get /v1/public/licenses",
      "get /v1/licenses",
      "post /v1/operators",
      "get /v1/tariffs",
    ]) {
      expect(ids).toContain(expected);
    }
  });

  it("serves a self-contained reference page at /docs", async () => {
    const page = await gw.anonymous.get<string>("/docs");
    expect(page.status).toBe(200);
    expect(page.contentType).toContain("text/html");
    // The renderer and the contract come from this origin (test/gateway/docs-page.test.ts has the rest).
    expect(page.body).toContain('data-url="/openapi.json"');
    expect(page.body).toMatch(/<script src="\/docs\/scalar\.js\?v=[0-9a-f]+"><\/script>/);
    // No third-party code: the page loads no script or stylesheet from anywhere else.
    expect(page.body).not.toMatch(/<link[^>]+stylesheet|https?:\/\//);
  });

  it("answers malformed input with 4xx problem documents, never 5xx", async () => {
    const attempts = [
      gw.operator.post("/v1/jobs", "not json at all"),
      gw.operator.post("/v1/jobs", { script: 42, license: [] }),
      gw.operator.get("/v1/jobs/%00%ff"),
      gw.operator.get("/v1/jobs?limit=-3"),
      gw.operator.get("/v1/datasets/UPPER"),
      gw.bureau.post("/v1/reviews/x", { decision: "maybe" }),
      gw.auditor.get("/v1/audit?after=abc"),
      gw.operator.get("/v1/usage?groupBy=year"),
      gw.operator.get(`/v1/jobs/${"x".repeat(5000)}`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.contentType).toContain("application/problem+json");
    }
  });

  it("refuses bodies over the size limit with 413", async () => {
    const res = await gw.operator.post("/v1/jobs", { script: "x".repeat(2_000_000), license: "l" });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });
});
