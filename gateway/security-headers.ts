import type { MiddlewareHandler } from "hono";
import { connectionIsTls, type GatewayEnv } from "./auth.ts";

/**
 * Headers every answer carries unless its route set its own (the console's and the docs page's
 * CSP, cacheable build files): no MIME sniffing, no framing anywhere (clickjacking), no referrer
 * leaving with a URL that may hold ids, a CSP that lets an API answer run and load nothing, and no
 * cache keeping answers that are private to a key.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "cache-control": "no-store",
};

/** A year: browsers that once reached the node over TLS never try plain HTTP to it again. */
export const HSTS = "max-age=31536000";

/**
 * Sets the security headers on every answer and records whether the request came over TLS (the
 * connection's own, or, only when `trustForwardedProto`, a TLS-terminating proxy's
 * X-Forwarded-Proto: without such a proxy any client could claim it).
 */
export function securityHeaders(options: {
  readonly trustForwardedProto: boolean;
}): MiddlewareHandler<GatewayEnv> {
  return async function setSecurityHeaders(c, next) {
    const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
    const overTls = connectionIsTls(c) || (options.trustForwardedProto && forwarded === "https");
    c.set("overTls", overTls);
    await next();
    // Every answer here is built by this app (none is a fetched, immutable Response).
    const headers = c.res.headers;
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      if (!headers.has(name)) headers.set(name, value);
    if (overTls) headers.set("strict-transport-security", HSTS);
  };
}
