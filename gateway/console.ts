import { readFile, realpath, stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getMimeType } from "hono/utils/mime";
import type { GatewayEnv } from "./auth.ts";
import { problem } from "./problem.ts";

// From source (gateway/console.ts) or compiled (dist/gateway/console.js), the package root differs.
const COMPILED = import.meta.url.endsWith(".js");

/** Where `vite build` puts the console: `console/dist` at the package root. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(
  new URL(COMPILED ? "../../console/dist" : "../console/dist", import.meta.url),
);

/**
 * The console loads only its own scripts and styles and talks only to this origin; nothing may frame
 * it (clickjacking) and no page may pass it a `<base>` or post its forms elsewhere. The headers every
 * answer carries (nosniff, framing, referrer) come from gateway/security-headers.ts.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Paths that belong to the API and the gateway's own pages: the console never answers them. */
const RESERVED = ["/v1", "/healthz", "/readyz", "/openapi.json", "/docs", "/.well-known"];

const isReserved = (path: string) => RESERVED.some((p) => path === p || path.startsWith(`${p}/`));

/** Content-hashed build output: a name never changes content, so browsers may keep it for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>控制台尚未构建 · Console not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}code{background:#eee;padding:0 .25rem}</style>
</head>
<body>
<h1>控制台尚未构建 · The console is not built</h1>
<p>请在项目目录运行 <code>npm run build</code>，然后重新启动网关（或直接运行 <code>npm start</code>，它会先构建）。</p>
<p>Run <code>npm run build</code> in the project folder, then restart the gateway (or run <code>npm start</code>, which builds first).</p>
<p>The API is available meanwhile: <a href="/docs">/docs</a> · <a href="/openapi.json">/openapi.json</a> · <a href="/healthz">/healthz</a></p>
</body>
</html>
`;

/**
 * The path's segments decoded, or null when one is hostile: `.` or `..` (even percent-encoded), an
 * encoded `/` or `\`, a NUL, an empty segment inside the path, or malformed percent-encoding.
 */
function segmentsOf(rawPath: string): string[] | null {
  const raw = rawPath.split("/").slice(1);
  // A trailing slash names the same page as without it (`/jobs/`).
  if (raw.length > 1 && raw.at(-1) === "") raw.pop();
  const segments: string[] = [];
  for (const segment of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (decoded === "." || decoded === ".." || /[/\\\0]/.test(decoded)) return null;
    if (decoded === "" && raw.length > 1) return null;
    segments.push(decoded);
  }
  return segments;
}

/** A regular file strictly inside `dir` (after resolving links), or null. */
async function fileInside(dir: string, segments: readonly string[]): Promise<Uint8Array | null> {
  const root = await realpath(dir).catch(() => null);
  if (!root) return null;
  const candidate = resolve(root, ...segments);
  if (!candidate.startsWith(root + sep)) return null;
  const real = await realpath(candidate).catch(() => null);
  if (!real?.startsWith(root + sep)) return null;
  const info = await stat(real).catch(() => null);
  if (!info?.isFile()) return null;
  return readFile(real);
}

function answer(c: Context<GatewayEnv>, body: Uint8Array | string, type: string, cache: string): Response {
  return c.body(typeof body === "string" ? body : new Uint8Array(body), 200, {
    "content-security-policy": CONSOLE_CSP,
    "content-type": type,
    "cache-control": cache,
  });
}

/**
 * Serves the built console at `/`: files of the build by name (`/assets/*` cached as immutable),
 * and `index.html` for every other path without a file extension asked for by a browser (Accept:
 * text/html), so the console's own routes
 * (`/jobs`, `/reviews/123`) load it (no-cache: a rebuild is picked up at once). Nothing outside the
 * build folder is ever served. Without a build, pages answer a short page saying how to build it.
 * Registered after every API route, it only sees what they did not answer.
 */
export function registerConsole(
  app: OpenAPIHono<GatewayEnv>,
  options: { readonly consoleDir?: string },
): void {
  const dir = options.consoleDir ?? DEFAULT_CONSOLE_DIR;
  app.get("*", async function serveConsole(c) {
    if (isReserved(c.req.path)) return c.notFound();
    const segments = segmentsOf(new URL(c.req.url).pathname);
    if (!segments)
      return problem(c, "BAD_REQUEST", "a path segment may not be . or .. nor hold an encoded / or \\");
    const last = segments.at(-1) ?? "";
    // A name with an extension asks for a file of the build (or nothing); any other path is a page.
    if (/\.[A-Za-z0-9]+$/.test(last)) {
      const file = await fileInside(dir, segments);
      if (!file) return c.notFound();
      const cache = segments[0] === "assets" && segments.length > 1 ? IMMUTABLE : "no-cache";
      return answer(c, file, getMimeType(last) ?? "application/octet-stream", cache);
    }
    // A page is for a browser. A program asking for a path that is no route (no text/html in its
    // Accept) gets the API's 404 problem document, not the console's HTML.
    if (!/\btext\/html\b/i.test(c.req.header("accept") ?? "")) return c.notFound();
    const index = await fileInside(dir, ["index.html"]);
    if (!index) return answer(c, NOT_BUILT_PAGE, "text/html; charset=utf-8", "no-store");
    return answer(c, index, "text/html; charset=utf-8", "no-cache");
  });
}
