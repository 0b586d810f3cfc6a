import { mkdir, symlink, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newApp } from "../../gateway/app.ts";
import type { GatewayEnv } from "../../gateway/auth.ts";
import { DEFAULT_CONSOLE_DIR } from "../../gateway/console.ts";
import { tempDir } from "../support/duckdb.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/x.js"></script></head></html>';
const SCRIPT = "console.log('console');";
const SECRET = "outside-the-build-folder";

let gw: TestGateway;
let folder: Awaited<ReturnType<typeof tempDir>>;
/** The app serving a built console from a temp folder. */
let app: OpenAPIHono<GatewayEnv>;
/** The app pointed at a folder with no build. */
let unbuilt: OpenAPIHono<GatewayEnv>;

beforeAll(async () => {
  gw = await startTestGateway();
  folder = await tempDir("aos-console-");
  const dist = join(folder.dir, "console", "dist");
  await mkdir(join(dist, "assets"), { recursive: true });
  await writeFile(join(dist, "index.html"), INDEX);
  await writeFile(join(dist, "assets", "x.js"), SCRIPT);
  // Beside the build, as the package's own files are: never to be served.
  await writeFile(join(folder.dir, "package.json"), JSON.stringify({ secret: SECRET }));
  await writeFile(join(folder.dir, "console", "secret.txt"), SECRET);
  await symlink(join(folder.dir, "package.json"), join(dist, "assets", "linked.json"));
  app = newApp({ ...gw.services, consoleDir: dist });
  unbuilt = newApp({ ...gw.services, consoleDir: join(folder.dir, "nothing-built-here") });
});

afterAll(async () => {
  await gw?.close();
  await folder?.remove();
});

function expectSecurityHeaders(headers: Headers): void {
  expect(headers.get("content-security-policy")).toBe(CSP);
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("referrer-policy")).toBe("no-referrer");
  expect(headers.get("x-frame-options")).toBe("DENY");
}

/** What a browser sends when it loads a page. */
const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

describe("the built console", () => {
  it("answers a program (no text/html in Accept) asking for a path that is no route with a 404 problem, not the page", async () => {
    for (const path of ["/no/such/route", "/jobs"]) {
      const res = await app.request(path, { headers: { accept: "application/json" } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toBe("application/problem+json");
    }
    expect((await app.request("/no/such/route")).status).toBe(404);
  });

  it("answers / with index.html, its security headers and no-cache", async () => {
    const res = await app.request("/", { headers: BROWSER });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expectSecurityHeaders(res.headers);
    expect(await res.text()).toBe(INDEX);
  });

  it("answers the console's own routes with index.html (SPA fallback)", async () => {
    for (const path of ["/jobs", "/jobs/abc", "/reviews/123/", "/datasets/population?tab=rules"]) {
      const res = await app.request(path, { headers: BROWSER });
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toBe(INDEX);
      expectSecurityHeaders(res.headers);
    }
  });

  it("serves a content-hashed asset with its type and an immutable cache", async () => {
    const res = await app.request("/assets/x.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe(SCRIPT);
  });

  it("answers a missing file (any name with an extension) with a 404 problem, not index.html", async () => {
    for (const path of ["/assets/missing.js", "/favicon.ico", "/data/domain-key.pem", "/control.sqlite"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toBe("application/problem+json");
    }
  });

  it("answers HEAD like GET, without a body", async () => {
    const res = await app.request("/", { method: "HEAD", headers: BROWSER });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(CSP);
    expect(await res.text()).toBe("");
  });
});

describe("never outside the build folder", () => {
  it("refuses encoded traversal and separators with 400", async () => {
    for (const path of [
      "/assets/..%2f..%2f..%2fpackage.json",
      "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
      "/assets/..%5c..%5csecret.txt",
      "/%2e%2e%5csecret.txt",
      "/assets/x.js%00.html",
      "/assets/%E0%A4%A",
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      expect(await res.text(), path).not.toContain(SECRET);
    }
  });

  it("does not follow a link that leads out of the build", async () => {
    const res = await app.request("/assets/linked.json");
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain(SECRET);
  });

  it("serves nothing outside it when raw ../ reaches the server over HTTP", async () => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((done) => server.once("listening", () => done()));
    const { port } = server.address() as AddressInfo;
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((done, fail) => {
        const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => done({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", fail);
        req.end();
      });
    try {
      for (const path of [
        "/../package.json",
        "/assets/../../package.json",
        "/%2e%2e/%2e%2e/package.json",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2f..%2fpackage.json",
      ]) {
        const answer = await raw(path);
        expect(answer.body, path).not.toContain(SECRET);
        expect([400, 404], path).toContain(answer.status);
      }
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});

describe("the API is never shadowed", () => {
  it("keeps /v1 problem+json: 404 with a key, 401 without", async () => {
    const withKey = await app.request("/v1/nothing", {
      headers: { authorization: `Bearer ${gw.credentials.operator.key}` },
    });
    expect(withKey.status).toBe(404);
    expect(withKey.headers.get("content-type")).toBe("application/problem+json");
    expect(await withKey.json()).toMatchObject({ code: "NOT_FOUND" });
    const without = await app.request("/v1/nothing");
    expect(without.status).toBe(401);
  });

  it("keeps /healthz, /readyz, /openapi.json, /docs and /.well-known answering themselves", async () => {
    const health = await app.request("/healthz");
    expect(health.headers.get("content-type")).toMatch(/json/);
    expect((await app.request("/readyz")).headers.get("content-type")).toMatch(/json/);
    const openapi = await app.request("/openapi.json");
    expect(((await openapi.json()) as { paths: Record<string, unknown> }).paths).toHaveProperty(
      "/v1/session",
    );
    const docs = await app.request("/docs");
    expect(docs.status).toBe(200);
    expect(await docs.text()).not.toBe(INDEX);
    const key = await app.request("/.well-known/aos-domain-key.pem");
    expect(key.status).toBe(200);
    expect(await key.text()).toContain("PUBLIC KEY");
  });

  it("answers unknown paths under reserved prefixes with a 404 problem, not index.html", async () => {
    for (const path of ["/docs/extra", "/healthz/x", "/.well-known/nothing", "/readyz/deep"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toBe("application/problem+json");
    }
  });

  it("answers other methods on console paths with a 404 problem", async () => {
    const res = await app.request("/jobs", { method: "POST" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("without a build", () => {
  it("answers pages with a 200 page that says to run npm run build", async () => {
    for (const path of ["/", "/jobs"]) {
      const res = await unbuilt.request(path, { headers: BROWSER });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expectSecurityHeaders(res.headers);
      const page = await res.text();
      expect(page).toContain("npm run build");
      expect(page).not.toMatch(/<script/i);
    }
  });

  it("answers asset requests with 404 and leaves the API alone", async () => {
    expect((await unbuilt.request("/assets/x.js")).status).toBe(404);
    expect((await unbuilt.request("/healthz")).status).toBe(200);
    const res = await unbuilt.request("/v1/nothing", {
      headers: { authorization: `Bearer ${gw.credentials.operator.key}` },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("where the build is looked for", () => {
  it("defaults to console/dist at the package root", () => {
    expect(DEFAULT_CONSOLE_DIR).toBe(resolve(import.meta.dirname, "../../console/dist"));
  });
});
