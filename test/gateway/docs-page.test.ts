import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCS_CSP } from "../../gateway/docs-page.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ seedScale: 0.002 });
});

afterAll(async () => {
  await gw?.close();
});

describe("/docs: the interactive API reference", () => {
  it("answers an HTML page loading the same-origin Scalar bundle against /openapi.json, under a strict CSP", async () => {
    const page = await gw.app.request("/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const csp = page.headers.get("content-security-policy");
    expect(csp).toBe(DOCS_CSP);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    const html = await page.text();
    expect(html).toContain('data-url="/openapi.json"');
    const src = /<script src="(\/docs\/scalar\.js\?v=[0-9a-f]{16})"><\/script>/.exec(html)?.[1];
    expect(src).toBeDefined();
    // No inline code for the CSP to forbid: every <script> is empty or loads from this origin.
    for (const [, attributes, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(body).toBe("");
      expect(attributes).toMatch(/src="\/docs\/|id="api-reference"/);
    }
    // The configuration keeps Scalar from fetching web fonts or sending telemetry.
    const configuration = /data-configuration="([^"]*)"/.exec(html)?.[1] ?? "";
    const parsed = JSON.parse(configuration.replace(/&#34;/g, '"'));
    expect(parsed).toMatchObject({ withDefaultFonts: false, telemetry: false });

    const bundle = await gw.app.request(src!);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(bundle.headers.get("cache-control")).toContain("immutable");
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    // Without the current version the bundle is not cached for long (an old page, a new bundle).
    const unversioned = await gw.app.request("/docs/scalar.js");
    expect(unversioned.headers.get("cache-control")).toBe("no-cache");
  });

  it("renders in a real browser with no request to another origin and no CSP violation", async () => {
    const server = serve({ fetch: gw.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const profile = await mkdtemp(join(tmpdir(), "aos-docs-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await context.newPage();
      const requested: string[] = [];
      const problems: string[] = [];
      page.on("request", (request) => requested.push(request.url()));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(`${origin}/docs`);
      // Scalar fetched the contract and rendered its operations.
      await page.getByText("/v1/jobs/explain").first().waitFor({ timeout: 30_000 });
      expect(requested).toContain(`${origin}/openapi.json`);
      const foreign = requested.filter((url) => !url.startsWith(origin) && !url.startsWith("data:"));
      expect(foreign).toEqual([]);
      expect(problems.filter((p) => /Content Security Policy/i.test(p))).toEqual([]);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      await new Promise((resolve) => server.close(resolve));
    }
  }, 90_000);
});
