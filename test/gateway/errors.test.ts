import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantLicense } from "../../control/licenses.ts";
import { loadConfig } from "../../gateway/config.ts";
import { escapeUnsafeCharacters } from "../../gateway/problem.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

const AIR =
  "export default async function main(ctx) { return { n: await ctx.sql('SELECT count(*) AS n FROM air_quality') }; }";

async function raw(path: string, init: RequestInit & { key?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  const res = await gw.app.request(path, { ...init, headers });
  return {
    status: res.status,
    headers: res.headers,
    type: res.headers.get("content-type"),
    body: (await res.json()) as Record<string, unknown> & { detail: string },
  };
}

describe("errors that say what to do", () => {
  it("malformed JSON answers 400 naming where it breaks, never quoting the body", async () => {
    const res = await raw("/v1/tariffs", {
      method: "PUT",
      key: gw.credentials.bureau.key,
      headers: { "content-type": "application/json" },
      body: '{"currency": "CNY",}',
    });
    expect(res.status).toBe(400);
    expect(res.type).toContain("application/problem+json");
    expect(res.body).toMatchObject({ code: "BAD_REQUEST" });
    expect(res.body.detail).toMatch(/not valid JSON: .* at position 19/);
    const secret = await raw("/v1/tariffs", {
      method: "PUT",
      key: gw.credentials.bureau.key,
      headers: { "content-type": "application/json" },
      body: "s3cret-value",
    });
    expect(secret.status).toBe(400);
    expect(JSON.stringify(secret.body)).not.toContain("s3cret");
  });

  it("a wrong content type answers 415 saying what was expected and what came", async () => {
    const res = await raw("/v1/tariffs", {
      method: "PUT",
      key: gw.credentials.bureau.key,
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(res.body.detail).toContain("expected a body of type application/json, got text/plain");
  });

  it("validation errors say what is wrong with each field", async () => {
    const res = await gw.bureau.put("/v1/tariffs", {
      currency: "CNY",
      perJob: -1,
      perCpuSecond: 0,
      perQuery: 0,
      perEpsilon: 0,
      perOutputCell: 0,
      perThousandRowsScanned: 0,
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/perJob: too small: expected number to be >=0/);
    const job = await gw.operator.post("/v1/jobs", { script: AIR, license: 7 });
    expect(job.body.detail).toMatch(/license: invalid input: expected string, received number/);
  });

  it("an unknown method on a known path answers 405 with Allow", async () => {
    const res = await raw("/v1/tariffs", { method: "DELETE", key: gw.credentials.bureau.key });
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
    expect(res.headers.get("allow")).toBe("GET, HEAD, PUT");
    const job = await raw("/v1/jobs/job_1", { method: "PUT", key: gw.credentials.operator.key });
    expect(job.status).toBe(405);
    expect(job.headers.get("allow")).toContain("GET");
    const unknown = await raw("/v1/nothing-here", { method: "DELETE", key: gw.credentials.bureau.key });
    expect(unknown.status).toBe(404);
  });

  it("refuses a Python script at submission and in a dry run, saying scripts are JavaScript or TypeScript", async () => {
    const python = "import pandas as pd\ndef main(ctx):\n    return pd.DataFrame()\n";
    for (const path of ["/v1/jobs", "/v1/jobs/explain"]) {
      const res = await gw.operator.post(path, { script: python, license: gw.credentials.operator.license });
      expect(res.status, path).toBe(400);
      expect(res.body.detail, path).toMatch(
        /parses as neither JavaScript nor TypeScript \(line 1, column \d+/,
      );
    }
    const ts = await gw.operator.post("/v1/jobs", {
      script: "export default async function main(ctx: unknown): Promise<object> { return {}; }",
      language: "javascript",
      license: gw.credentials.operator.license,
    });
    expect(ts.status).toBe(202);
  });

  it("a license the bureau expired answers LICENSE_EXPIRED, as the docs say", async () => {
    await grantLicense(gw.controlPlane, {
      id: "lic_to_expire",
      operator: gw.demoOperatorId,
      purpose: "urban-analytics",
      validFrom: "2024-01-01T00:00:00Z",
      validTo: "2099-01-01T00:00:00Z",
      datasets: [{ name: "air_quality" }],
      quotas: {},
      releaseMode: "auto",
    });
    const expired = await gw.bureau.post("/v1/licenses/lic_to_expire/expire", { reason: "ended early" });
    expect(expired.status).toBe(200);
    const res = await gw.operator.post("/v1/jobs", { script: AIR, license: "lic_to_expire" });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "LICENSE_EXPIRED" });
  });
});

describe("bad input", () => {
  it("lone surrogates in bureau bodies answer 400, not 500", async () => {
    const lone = '"\\ud800"';
    const bodies: [string, string][] = [
      ["/v1/tariffs", `{"currency":"CNY","note":${lone}}`],
      ["/v1/licenses", `{"id":"lic_x","operator":${lone}}`],
      ["/v1/datasets/air_quality/policy", `{"name":${lone}}`],
    ];
    for (const [path, body] of bodies) {
      const res = await raw(path, {
        method: path === "/v1/tariffs" ? "PUT" : "POST",
        key: gw.credentials.bureau.key,
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status, path).toBe(400);
      expect(res.body.detail, path).toContain("lone UTF-16 surrogate");
    }
  });

  it("ids refuse control characters, and no answer echoes a raw control or bidi character", async () => {
    const res = await gw.bureau.post("/v1/licenses", {
      id: "lic_\u0000\u202ebad",
      operator: gw.demoOperatorId,
      purpose: "urban-analytics",
      validFrom: "2026-01-01T00:00:00Z",
      validTo: "2027-01-01T00:00:00Z",
      datasets: [{ name: "air_quality" }],
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/id: ids are 1 to 100 letters or digits/);
    const job = await gw.operator.get("/v1/jobs/job_%00%E2%80%AE");
    expect(job.status).toBe(404);
    expect(job.body.detail).toBe("no job job_\\u0000\\u202e");
    expect(escapeUnsafeCharacters("a\u0000b\u202ec\ud800")).toBe("a\\u0000b\\u202ec\\ud800");
  });
});

describe("requests the HTTP parser refuses", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let node: RunningGateway;
  beforeAll(async () => {
    dir = await tempDir();
    node = await startGateway(
      loadConfig({
        DATA_DIR: join(dir.dir, "data"),
        PORT: "0",
        SEED_SCALE: "0.002",
        SHUTDOWN_GRACE_MS: "2000",
      }),
      silentLogger,
    );
  });
  afterAll(async () => {
    await node?.close();
    await dir?.remove();
  });

  const send = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; type: string | undefined; body: Record<string, unknown> }>(
      (resolve, reject) => {
        const req = httpRequest(`${node.url}${path}`, { headers }, (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => {
            text += chunk.toString("utf8");
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              type: res.headers["content-type"],
              body: JSON.parse(text),
            }),
          );
        });
        req.on("error", reject);
        req.end();
      },
    );

  it("a 60 KB URL answers 414 problem+json", async () => {
    const res = await send(`/v1/jobs?filter=${"x".repeat(60_000)}`);
    expect(res.status).toBe(414);
    expect(res.type).toBe("application/problem+json");
    expect(res.body).toMatchObject({ code: "URI_TOO_LONG" });
    expect(res.body.detail).toContain("shorten the URL");
  });

  it("oversized headers answer 431 problem+json", async () => {
    const res = await send("/healthz", { "x-padding": "y".repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.body).toMatchObject({ code: "HEADERS_TOO_LARGE" });
  });
});
