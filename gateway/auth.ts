import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import type { AuditSink } from "../control/audit-sink.ts";
import { authenticate, type Principal, type Role } from "../control/identity.ts";
import {
  type ConsoleSession,
  csrfTokenMatches,
  resumeSession,
  type SessionSettings,
} from "../control/sessions.ts";
import type { SqlStore } from "../storage/sql-store.ts";
import { problem } from "./problem.ts";

export type GatewayEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
    /** Set when the request was authenticated by a console session cookie (not a key). */
    session: ConsoleSession;
  };
};

/** The console's session cookie: HttpOnly, SameSite=Strict, Path=/, Secure under TLS. */
export const SESSION_COOKIE = "aos_session";

/** Where the console signs in (POST, the key in a JSON body), asks who it is (GET) and signs out (DELETE). */
export const SESSION_PATH = "/v1/session";

/** Methods that change something: with a session cookie they need the session's CSRF token. */
const UNSAFE_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Events (failed authentications, public requests) one client address may cause per window before it is refused. */
export interface AddressLimit {
  readonly events: number;
  readonly windowMs: number;
}

const DEFAULT_LIMIT: AddressLimit = { events: 20, windowMs: 60_000 };

/** Counts events per client address in a fixed window: failed authentications, requests to public routes. */
export class AddressLimiter {
  private readonly windows = new Map<string, { start: number; events: number }>();

  constructor(
    private readonly limit: AddressLimit = DEFAULT_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the address may try again, or 0 when it may try now. */
  blockedFor(address: string): number {
    const window = this.windows.get(address);
    if (!window || this.now() - window.start >= this.limit.windowMs) return 0;
    if (window.events < this.limit.events) return 0;
    return Math.ceil((window.start + this.limit.windowMs - this.now()) / 1000);
  }

  record(address: string): void {
    const now = this.now();
    const window = this.windows.get(address);
    if (!window || now - window.start >= this.limit.windowMs) {
      // Old windows are dropped as new ones open, so the map holds recent offenders only.
      if (this.windows.size > 10_000) {
        for (const [key, w] of this.windows)
          if (now - w.start >= this.limit.windowMs) this.windows.delete(key);
      }
      this.windows.set(address, { start: now, events: 1 });
    } else {
      window.events++;
    }
  }
}

/** The peer address of the connection (never a client-supplied header: the embedded default has no trusted proxy). */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? "in-process";
}

/** Whether the connection itself is TLS (never a forwarded header: no proxy is trusted). */
export function overTls(c: Context): boolean {
  const incoming = (c.env as { incoming?: { socket?: { encrypted?: boolean } } } | undefined)?.incoming;
  return incoming?.socket?.encrypted === true;
}

/**
 * Authenticates every /v1 request once: a valid key (Bearer) or, with no Authorization header, a
 * live console session cookie sets the principal; anything else answers 401 and is audited; an
 * address with too many failures answers 429 without a lookup, so keys cannot be guessed at speed.
 * A cookie is ambient (the browser sends it on its own), so a cookie-authenticated write must also
 * carry the session's CSRF token in `x-csrf-token`; a key is never ambient and needs none.
 */
export function authenticateRequests(deps: {
  readonly store: Pick<SqlStore, "query" | "run">;
  readonly audit: AuditSink;
  readonly limiter: AddressLimiter;
  readonly sessions?: SessionSettings;
}): MiddlewareHandler<GatewayEnv> {
  return async function authenticateMiddleware(c, next) {
    const address = clientAddress(c);
    const wait = deps.limiter.blockedFor(address);
    if (wait > 0) {
      c.header("retry-after", String(wait));
      return problem(c, "RATE_LIMITED", "too many failed authentications from this address; wait and retry");
    }
    const header = c.req.header("authorization");
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    const sessionToken = header === undefined ? getCookie(c, SESSION_COOKIE) : undefined;
    if (sessionToken !== undefined) {
      const session = await resumeSession(deps.store, sessionToken, deps.sessions);
      if (session) {
        if (
          UNSAFE_METHODS.has(c.req.method) &&
          !csrfTokenMatches(session, c.req.header("x-csrf-token") ?? "")
        ) {
          return problem(
            c,
            "FORBIDDEN",
            "missing or wrong CSRF token: send the csrfToken that POST or GET /v1/session returned in the x-csrf-token header",
          );
        }
        c.set("principal", session.principal);
        c.set("session", session);
        return next();
      }
    }
    const principal = match ? await authenticate(deps.store, match[1]!) : null;
    if (!principal) {
      deps.limiter.record(address);
      // The key's public prefix identifies which key was tried; the secret part is never recorded.
      const prefix = match ? /^aos_([0-9a-f]{12})_/.exec(match[1]!)?.[1] : undefined;
      await deps.audit.append({
        type: "auth.failed",
        actor: "anonymous",
        subject: {},
        data: {
          reason: match
            ? "unknown, revoked or inactive key"
            : sessionToken !== undefined
              ? "expired, ended or unknown console session"
              : "no bearer key",
          ...(prefix ? { keyPrefix: prefix } : {}),
          method: c.req.method,
          path: c.req.path.slice(0, 200),
          address,
        },
      });
      if (sessionToken !== undefined) {
        // The browser drops a cookie that no longer opens anything; the console then signs in again.
        deleteCookie(c, SESSION_COOKIE, {
          path: "/",
          secure: overTls(c),
          httpOnly: true,
          sameSite: "Strict",
        });
        return problem(c, "UNAUTHENTICATED", "the console session has ended; sign in again");
      }
      c.header("www-authenticate", 'Bearer realm="aos"');
      return problem(c, "UNAUTHENTICATED", "a valid API key is required in the Authorization header");
    }
    c.set("principal", principal);
    await next();
  };
}

/**
 * Admits only principals of one of `roles`. Every /v1 route declares its roles through this; there
 * is no route without one. It authenticates the request itself when no earlier middleware has.
 */
export function requireRole(
  store: Pick<SqlStore, "query">,
  ...roles: readonly Role[]
): MiddlewareHandler<GatewayEnv> {
  return async function requireRoleMiddleware(c, next) {
    let principal = c.get("principal") as Principal | undefined;
    if (!principal) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
      principal = (match ? await authenticate(store, match[1]!) : null) ?? undefined;
    }
    if (!principal) {
      c.header("www-authenticate", 'Bearer realm="aos"');
      return problem(c, "UNAUTHENTICATED", "a valid API key is required in the Authorization header");
    }
    if (!roles.includes(principal.role)) {
      return problem(c, "FORBIDDEN", `this route is not open to the ${principal.role} role`);
    }
    c.set("principal", principal);
    await next();
  };
}
