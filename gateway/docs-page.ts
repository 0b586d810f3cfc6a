import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { GatewayEnv } from "./auth.ts";

/**
 * The /docs page: the interactive API reference of /openapi.json, rendered in the browser by
 * Scalar (`@scalar/api-reference`, its standalone bundle served from this origin). A secure
 * domain's pages must not pull third-party code: the bundle comes from node_modules, not a CDN;
 * its configuration sits in a data attribute (no inline script) and turns off what would reach
 * out (web fonts, telemetry, the hosted agent); the CSP allows this origin only. "Try it" sends
 * requests to this origin with the key the reader types in, kept in the page's memory only.
 */

/** What the page's CSP allows: this origin; inline styles and data: images and fonts, which Scalar injects. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** Scalar's configuration: nothing fetched from another origin, no key persisted in the browser. */
const SCALAR_CONFIGURATION = {
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: "never",
  persistAuth: false,
};

interface ScalarBundle {
  readonly body: Uint8Array<ArrayBuffer>;
  /** A digest of the bundle: the page asks for `/docs/scalar.js?v=<it>`, so a long cache never serves a stale one. */
  readonly version: string;
}

let bundle: ScalarBundle | undefined;

/** Reads the standalone browser bundle from the installed package, once per process. */
function scalarBundle(): ScalarBundle {
  if (!bundle) {
    const file = createRequire(import.meta.url).resolve("@scalar/api-reference/browser/standalone.js");
    const body = new Uint8Array(readFileSync(file));
    bundle = { body, version: createHash("sha256").update(body).digest("hex").slice(0, 16) };
  }
  return bundle;
}

const escapeAttribute = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The page: an empty `#api-reference` element Scalar finds, with the spec's URL and the configuration. */
export function docsPageHtml(title: string, version: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeAttribute(title)} — API reference</title>
</head><body>
<noscript><p>The API reference needs JavaScript. The machine-readable contract is at <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p></noscript>
<script id="api-reference" data-url="/openapi.json" data-configuration="${escapeAttribute(JSON.stringify(SCALAR_CONFIGURATION))}"></script>
<script src="/docs/scalar.js?v=${version}"></script>
</body></html>`;
}

/**
 * Serves `/docs` (the page) and `/docs/scalar.js` (the renderer, cached for a year: its URL
 * changes with its content).
 *
 * @example
 * registerDocsRoutes(app, "Authorized-operation sandbox");
 */
export function registerDocsRoutes(app: OpenAPIHono<GatewayEnv>, title: string): void {
  // Read at start, so a missing package fails the start rather than the first reader.
  const { body, version } = scalarBundle();
  const page = docsPageHtml(title, version);
  app.get("/docs", (c) => {
    // The other security headers come from gateway/security-headers.ts, as for every answer.
    c.header("content-security-policy", DOCS_CSP);
    c.header("cache-control", "no-cache");
    return c.html(page);
  });
  app.get("/docs/scalar.js", (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header(
      "cache-control",
      c.req.query("v") === version ? "public, max-age=31536000, immutable" : "no-cache",
    );
    return c.body(body);
  });
}
