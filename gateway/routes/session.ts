import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AuditSink } from "../../control/audit-sink.ts";
import {
  type ConsoleSession,
  closeSession,
  DEFAULT_SESSION_SETTINGS,
  type OpenedSession,
  openSession,
  SessionPrincipal,
  type SessionSettings,
} from "../../control/sessions.ts";
import { DomainError } from "../../policies/errors.ts";
import { Timestamp } from "../../policies/timestamp.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import {
  type AuthFailureLimiter,
  type ClientCertificateSettings,
  clientAddress,
  type GatewayEnv,
  overTls,
  REPEATED_FAILURE,
  requestCertificate,
  requireRole,
  SESSION_COOKIE,
  SESSION_PATH,
} from "../auth.ts";
import { COMMON_ERRORS, NOT_FOUND_ERROR } from "../problem.ts";

const SignIn = z
  .object({
    key: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: "An API key issued by the bureau.", example: "aos_0123456789ab_…" }),
  })
  .openapi("SignIn");

const SessionInfo = z
  .object({
    principal: SessionPrincipal,
    csrfToken: z.string().openapi({
      description:
        "Send it in the `x-csrf-token` header of every POST, PUT, PATCH and DELETE made with the session cookie.",
    }),
    idleExpiresAt: Timestamp.describe("When the session ends if it is not used before."),
    expiresAt: Timestamp.describe("When the session ends however much it is used."),
  })
  .openapi("ConsoleSession");

const sessionSecurity = [{ session: [] }];

const signIn = createRoute({
  method: "post",
  path: SESSION_PATH,
  operationId: "signIn",
  tags: ["session"],
  summary:
    "Sign the console in: exchange an API key for a session cookie (HttpOnly, SameSite=Strict, Secure under TLS). The key is not kept in the browser.",
  security: [],
  request: {
    body: { required: true, content: { "application/json": { schema: SignIn } } },
  },
  responses: {
    201: {
      description: "Signed in; the session cookie is set.",
      content: { "application/json": { schema: SessionInfo } },
    },
    ...COMMON_ERRORS,
  },
});

const whoAmI = createRoute({
  method: "get",
  path: SESSION_PATH,
  operationId: "getSession",
  tags: ["session"],
  summary: "The console session of the cookie: who is signed in, its CSRF token and its expiries.",
  security: sessionSecurity,
  responses: {
    200: { description: "The session.", content: { "application/json": { schema: SessionInfo } } },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

const signOut = createRoute({
  method: "delete",
  path: SESSION_PATH,
  operationId: "signOut",
  tags: ["session"],
  summary: "Sign out: ends the session of the cookie (needs its CSRF token) and clears the cookie.",
  security: sessionSecurity,
  responses: {
    200: {
      description: "Signed out.",
      content: {
        "application/json": { schema: z.object({ signedOut: z.literal(true) }).openapi("SignedOut") },
      },
    },
    ...COMMON_ERRORS,
    ...NOT_FOUND_ERROR,
  },
});

export interface SessionRouteDeps {
  readonly controlPlane: Pick<SqlStore, "query" | "run" | "transaction">;
  readonly audit: AuditSink;
  /** The failed-authentication limiter the key middleware uses: a failed sign-in counts there too. */
  readonly authLimiter: AuthFailureLimiter;
  readonly sessions?: SessionSettings;
  /** Whether this node asks for client certificates, and which keys must be bound to one. */
  readonly clientCertificates?: ClientCertificateSettings;
}

const sessionInfo = (session: ConsoleSession) => ({
  principal: SessionPrincipal.parse(session.principal),
  csrfToken: session.csrfToken,
  idleExpiresAt: session.idleExpiresAt,
  expiresAt: session.expiresAt,
});

/** The session cookie, the same however the session was opened (key or single sign-on). */
export function setSessionCookie(c: Context, session: OpenedSession, settings: SessionSettings): void {
  setCookie(c, SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: overTls(c),
    maxAge: Math.floor(settings.maxMs / 1000),
  });
}

/** The session of a request, or NOT_FOUND for one made with a key (no cookie). */
function sessionOf(session: ConsoleSession | undefined): ConsoleSession {
  if (!session)
    throw new DomainError(
      "NOT_FOUND",
      "this request carries no console session (it used an API key); sign in with POST /v1/session",
    );
  return session;
}

/** Console sign-in, who-am-I and sign-out. The CLI and scripts use keys and never need these. */
export function registerSessionRoutes(app: OpenAPIHono<GatewayEnv>, deps: SessionRouteDeps): void {
  const settings = deps.sessions ?? DEFAULT_SESSION_SETTINGS;
  const anyRole = requireRole(deps.controlPlane, "operator", "bureau", "auditor", "holder");
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description:
      "The console's session cookie from POST /v1/session; writes also need the x-csrf-token header.",
  });

  // Reached without authentication (see gateway/app.ts): the key in the body is the credential.
  app.openapi(signIn, async (c) => {
    const address = clientAddress(c);
    const { key } = c.req.valid("json");
    const credential = `key:${key}`;
    const wait = deps.authLimiter.blockedFor(address, credential);
    if (wait > 0) throw new DomainError("RATE_LIMITED", REPEATED_FAILURE, { retryAfterSeconds: wait });
    const presented = requestCertificate(c, deps.clientCertificates);
    // A forged certificate header refuses the sign-in as it refuses any keyed request.
    const opened =
      "refusal" in presented
        ? presented
        : await openSession(
            { store: deps.controlPlane, audit: deps.audit },
            {
              key,
              address,
              certificate: presented.certificate,
              required: deps.clientCertificates?.required ?? "none",
            },
            settings,
          );
    if (!("session" in opened)) {
      const prefix = /^aos_([0-9a-f]{12})_/.exec(key)?.[1];
      const retryAfter = await deps.authLimiter.fail(
        {
          address,
          credential,
          ...(prefix ? { keyPrefix: prefix } : {}),
          reason: opened.refusal
            ? `console sign-in refused: ${opened.refusal.reason}`
            : "console sign-in with an unknown, revoked or inactive key",
          method: c.req.method,
          path: c.req.path,
        },
        deps.audit,
      );
      if (retryAfter > 0)
        throw new DomainError("RATE_LIMITED", REPEATED_FAILURE, { retryAfterSeconds: retryAfter });
      throw new DomainError(
        "UNAUTHENTICATED",
        opened.refusal?.detail ??
          "this API key does not sign in (unknown, revoked, or its holder is not active); check it or ask the bureau for a new one",
      );
    }
    const { session } = opened;
    setSessionCookie(c, session, settings);
    // The body carries the CSRF token: no cache may keep it.
    c.header("cache-control", "no-store");
    return c.json(sessionInfo(session), 201);
  });

  app.openapi({ ...whoAmI, middleware: anyRole }, async (c) => {
    const session = sessionOf(c.get("session") as ConsoleSession | undefined);
    c.header("cache-control", "no-store");
    return c.json(sessionInfo(session), 200);
  });

  app.openapi({ ...signOut, middleware: anyRole }, async (c) => {
    const session = sessionOf(c.get("session") as ConsoleSession | undefined);
    await closeSession({ store: deps.controlPlane, audit: deps.audit }, session, settings);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: overTls(c), httpOnly: true, sameSite: "Strict" });
    return c.json({ signedOut: true as const }, 200);
  });
}
