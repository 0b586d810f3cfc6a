import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AuditSink } from "../../control/audit-sink.ts";
import { DEFAULT_SESSION_SETTINGS, openSessionFor, type SessionSettings } from "../../control/sessions.ts";
import {
  beginSignOnAttempt,
  SignOnRefused,
  signOnPrincipal,
  takeSignOnAttempt,
} from "../../control/single-sign-on.ts";
import { DomainError, isDomainError } from "../../policies/errors.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import type { Logger } from "../../telemetry/log.ts";
import {
  type AuthFailureLimiter,
  clientAddress,
  type GatewayEnv,
  overTls,
  REPEATED_FAILURE,
} from "../auth.ts";
import { CONSOLE_CSP } from "../console.ts";
import { COMMON_ERRORS } from "../problem.ts";
import type { SingleSignOn } from "../single-sign-on.ts";
import { setSessionCookie } from "./session.ts";

/** Every sign-on path; reached without authentication (the provider vouches for the person). */
export const SIGN_ON_PATH = "/v1/session/sign-on";
const ATTEMPT_COOKIE = "aos_sign_on";

const SignOnProvider = z
  .object({
    provider: z
      .object({
        name: z.string().openapi({ description: "The provider's name, for the sign-in button." }),
        startUrl: z
          .string()
          .openapi({ description: "Where the browser goes to sign in.", example: `${SIGN_ON_PATH}/start` }),
      })
      .nullable()
      .openapi({ description: "Null when this domain signs in by API key only." }),
  })
  .openapi("SignOnProvider");

const describe = createRoute({
  method: "get",
  path: SIGN_ON_PATH,
  operationId: "getSignOnProvider",
  tags: ["session"],
  summary: "Whether the console can sign in through the domain's OpenID provider, and its name.",
  security: [],
  responses: {
    200: {
      description: "The provider, or null.",
      content: { "application/json": { schema: SignOnProvider } },
    },
    ...COMMON_ERRORS,
  },
});

export interface SignOnRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "run" | "transaction">;
  readonly audit: AuditSink;
  readonly authLimiter: AuthFailureLimiter;
  readonly logger: Logger;
  readonly sessions?: SessionSettings;
  /** Unset: the console signs in by key only, and these routes say so. */
  readonly singleSignOn?: SingleSignOn;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The page a browser lands on when the sign-in ends without a session: what happened and what to do. */
function refusalPage(c: Context, status: 401 | 403, detail: string): Response {
  // The other security headers come from the app-wide middleware; this page is the console's.
  c.header("content-security-policy", CONSOLE_CSP);
  c.header("cache-control", "no-store");
  return c.html(
    `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>未能登录 · Not signed in</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}</style>
</head>
<body>
<h1>未能登录 · Not signed in</h1>
<p role="alert">${escapeHtml(detail)}</p>
<p><a href="/">返回控制台 · Back to the console</a></p>
</body>
</html>
`,
    status,
  );
}

/** The console's sign-in through the domain's OpenID provider (docs/security.md, "Trusted identity"). */
export function registerSignOnRoutes(app: OpenAPIHono<GatewayEnv>, deps: SignOnRouteDeps): void {
  const settings = deps.sessions ?? DEFAULT_SESSION_SETTINGS;
  const now = () => (settings.now ?? (() => new Date()))();
  const configured = (): SingleSignOn => {
    if (!deps.singleSignOn)
      throw new DomainError("NOT_FOUND", "this domain signs in by API key only: POST /v1/session with a key");
    return deps.singleSignOn;
  };

  app.openapi(describe, (c) => {
    const sso = deps.singleSignOn;
    return c.json(
      { provider: sso ? { name: sso.settings.providerName, startUrl: `${SIGN_ON_PATH}/start` } : null },
      200,
    );
  });

  // The start and the callback are a browser's navigations (a redirect, an HTML page), not an API:
  // they stay out of the contract that programs are generated from.
  app.get(`${SIGN_ON_PATH}/start`, async (c) => {
    const { url, checks } = await configured().start();
    const handle = await beginSignOnAttempt(deps.controlPlane, checks, now());
    // Lax, not Strict: the provider sends the browser back by a cross-site navigation, which must
    // carry this cookie. It names the attempt only; the session cookie stays Strict.
    setCookie(c, ATTEMPT_COOKIE, handle, {
      httpOnly: true,
      sameSite: "Lax",
      path: SIGN_ON_PATH,
      secure: overTls(c),
      maxAge: 600,
    });
    c.header("cache-control", "no-store");
    return c.redirect(url.href, 302);
  });

  app.get(`${SIGN_ON_PATH}/callback`, async (c) => {
    const sso = configured();
    const address = clientAddress(c);
    const credential = "sign-on callback";
    const wait = deps.authLimiter.blockedFor(address, credential);
    if (wait > 0) return refusalPage(c, 401, REPEATED_FAILURE);
    const handle = getCookie(c, ATTEMPT_COOKIE);
    deleteCookie(c, ATTEMPT_COOKIE, {
      path: SIGN_ON_PATH,
      secure: overTls(c),
      httpOnly: true,
      sameSite: "Lax",
    });
    try {
      const checks = handle ? await takeSignOnAttempt(deps.controlPlane, handle, now()) : null;
      if (!checks) {
        throw new DomainError(
          "UNAUTHENTICATED",
          "this sign-in was not started in this browser, was already used, or took longer than 10 minutes; start it again",
          { cause: "no attempt" },
        );
      }
      const identity = await sso.finish(new URL(c.req.url).search, checks);
      const principal = await signOnPrincipal(
        { store: deps.controlPlane, audit: deps.audit },
        identity,
        sso.settings,
      );
      const session = await openSessionFor(
        { store: deps.controlPlane, audit: deps.audit },
        principal,
        { opener: { identity: { issuer: identity.issuer, subject: identity.subject } }, address },
        settings,
      );
      setSessionCookie(c, session, settings);
      c.header("cache-control", "no-store");
      return c.redirect("/", 303);
    } catch (error) {
      if (error instanceof SignOnRefused) return refusalPage(c, 403, error.detail);
      if (!isDomainError(error) || error.code !== "UNAUTHENTICATED") throw error;
      deps.logger.warn("single sign-on callback refused", { check: String(error.extra.cause ?? "") });
      const retryAfter = await deps.authLimiter.fail(
        {
          address,
          credential,
          reason: `single sign-on callback refused: ${String(error.extra.cause ?? "unknown")}`,
          method: c.req.method,
          path: c.req.path,
        },
        deps.audit,
      );
      return refusalPage(c, 401, retryAfter > 0 ? REPEATED_FAILURE : error.detail);
    }
  });
}
