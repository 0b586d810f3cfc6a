import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import type { AuditSink } from "../control/audit-sink.ts";
import {
  authenticate,
  type BindingRequirement,
  type ClientCertificate,
  checkApiKey,
  clientKeyOf,
  NO_CLIENT_CERTIFICATE,
  type Principal,
  type Role,
} from "../control/identity.ts";
import {
  type ConsoleSession,
  csrfTokenMatches,
  resumeSession,
  type SessionSettings,
} from "../control/sessions.ts";
import type { SqlStore } from "../storage/sql-store.ts";
import { type ForwardedCertificates, forwardedCertificateOf } from "./forwarded-certificate.ts";
import { problem } from "./problem.ts";
import { clientCertificateProblem } from "./tls.ts";

export type GatewayEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
    /** Set when the request was authenticated by a console session cookie (not a key). */
    session: ConsoleSession;
    /** Whether the request reached the node over TLS (see gateway/security-headers.ts). */
    overTls: boolean;
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

/** Counts events per key (a client address) in a fixed window: requests to public routes, failed authentications. */
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

  /** Counts one event; answers how many the address has caused in the current window. */
  record(address: string): number {
    const now = this.now();
    const window = this.windows.get(address);
    if (!window || now - window.start >= this.limit.windowMs) {
      // Old windows are dropped as new ones open, so the map holds recent offenders only.
      if (this.windows.size > 10_000) {
        for (const [key, w] of this.windows)
          if (now - w.start >= this.limit.windowMs) this.windows.delete(key);
      }
      this.windows.set(address, { start: now, events: 1 });
      return 1;
    }
    return ++window.events;
  }
}

/** A failed authentication, as the key middleware or the console sign-in saw it. */
export interface AuthFailure {
  readonly address: string;
  /** What was presented (a key, a session token, a malformed header, or nothing): counted by fingerprint only. */
  readonly credential: string;
  /** The key's public prefix, when a well-formed key was presented. */
  readonly keyPrefix?: string;
  readonly reason: string;
  readonly method: string;
  readonly path: string;
}

/** Options of the failed-authentication limiter beyond the per-credential limit. */
export interface AuthFailureOptions {
  /** Failures from one address, all credentials together, per window; default 10× the per-credential limit. */
  readonly perAddress?: number;
  /** Failures from one address per window logged one entry each; the rest go into one entry with their count. */
  readonly loggedEach?: number;
  readonly now?: () => number;
}

/**
 * Failed authentications, counted per (client address, credential fingerprint) and per address.
 *
 * - A credential that failed `limit.events` times from an address is refused there with 429 for
 *   the rest of the window, without a lookup. Clients behind one address (every local client is
 *   127.0.0.1) are told apart by what they present, so one client's wrong key never locks out
 *   another's valid key.
 * - Past `perAddress` failures from an address, every further failure there answers 429 instead
 *   of 401. A valid key is still looked up and admitted: keys carry 256 random bits, so refusing
 *   them would protect nothing and would let any client on the address lock everyone else out.
 * - The first `loggedEach` failures of an address in a window are logged one entry each (with the
 *   key prefix, method and path); the rest are counted, and one `auth.failed` entry with the count
 *   and the prefixes tried is written when the window ends (or at `flush`): a flood costs one
 *   durable write per window, not one per request.
 */
export class AuthFailureLimiter {
  private readonly byCredential: AddressLimiter;
  private readonly byAddress: AddressLimiter;
  private readonly perAddress: number;
  private readonly loggedEach: number;
  private readonly now: () => number;
  private readonly pending = new Map<
    string,
    { from: number; count: number; keyPrefixes: Map<string, number>; timer: NodeJS.Timeout }
  >();
  private sink: Pick<AuditSink, "append"> | undefined;
  private onError: ((error: unknown) => void) | undefined;

  constructor(
    private readonly limit: AddressLimit = DEFAULT_LIMIT,
    options: AuthFailureOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.byCredential = new AddressLimiter(limit, this.now);
    this.perAddress = options.perAddress ?? limit.events * 10;
    this.byAddress = new AddressLimiter({ events: this.perAddress, windowMs: limit.windowMs }, this.now);
    this.loggedEach = options.loggedEach ?? 10;
  }

  /** Seconds until this credential may be tried again from this address (0: now). */
  blockedFor(address: string, credential: string): number {
    return this.byCredential.blockedFor(credentialKey(address, credential));
  }

  /**
   * Counts a failure and logs it (or adds it to the window's count). Answers 0 (answer 401), or,
   * once the address is past its cap, the seconds until its window ends (answer 429, Retry-After).
   */
  async fail(
    failure: AuthFailure,
    sink: Pick<AuditSink, "append">,
    onError?: (error: unknown) => void,
  ): Promise<number> {
    this.sink = sink;
    if (onError) this.onError = onError;
    this.byCredential.record(credentialKey(failure.address, failure.credential));
    const fromAddress = this.byAddress.record(failure.address);
    if (fromAddress <= this.loggedEach) {
      await sink.append({
        type: "auth.failed",
        actor: "anonymous",
        subject: {},
        data: {
          reason: failure.reason,
          ...(failure.keyPrefix ? { keyPrefix: failure.keyPrefix } : {}),
          method: failure.method,
          path: failure.path.slice(0, 200),
          address: failure.address,
        },
      });
    } else {
      this.count(failure);
    }
    return fromAddress > this.perAddress ? this.byAddress.blockedFor(failure.address) : 0;
  }

  /** Writes the counts of failures not yet logged (at shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((address) => this.writeCount(address)));
  }

  private count(failure: AuthFailure): void {
    let window = this.pending.get(failure.address);
    if (!window) {
      const timer = setTimeout(() => {
        this.writeCount(failure.address).catch((error: unknown) => this.onError?.(error));
      }, this.limit.windowMs);
      // A pending count never holds the process open; `flush` writes it at shutdown.
      timer.unref();
      window = { from: this.now(), count: 0, keyPrefixes: new Map(), timer };
      this.pending.set(failure.address, window);
    }
    window.count++;
    if (failure.keyPrefix && (window.keyPrefixes.has(failure.keyPrefix) || window.keyPrefixes.size < 50)) {
      window.keyPrefixes.set(failure.keyPrefix, (window.keyPrefixes.get(failure.keyPrefix) ?? 0) + 1);
    }
  }

  private async writeCount(address: string): Promise<void> {
    const window = this.pending.get(address);
    if (!window || !this.sink) return;
    this.pending.delete(address);
    clearTimeout(window.timer);
    await this.sink.append({
      type: "auth.failed",
      actor: "anonymous",
      subject: {},
      data: {
        reason: "more failed authentications from this address, counted rather than logged one by one",
        count: window.count,
        keyPrefixes: Object.fromEntries(window.keyPrefixes),
        address,
        from: new Date(window.from).toISOString(),
        to: new Date(this.now()).toISOString(),
      },
    });
  }
}

/** The limiter's key for a credential from an address: a digest, so no presented secret is kept in memory as is. */
function credentialKey(address: string, credential: string): string {
  return `${address}\u0000${createHash("sha256").update(credential).digest("base64url").slice(0, 22)}`;
}

/** What a client refused for repeated failures is told: a valid key is never refused this way. */
export const REPEATED_FAILURE =
  "too many failed authentications with this credential or from this address; wait for Retry-After, and check the key (a valid key is not refused)";

/** The peer address of the connection (never a client-supplied header such as X-Forwarded-For). */
export function clientAddress(c: Context): string {
  return incomingSocket(c)?.remoteAddress ?? "in-process";
}

/** Whether the connection itself is TLS. */
export function connectionIsTls(c: Context): boolean {
  return incomingSocket(c)?.encrypted === true;
}

/** The request's socket, when it came through a listener (not `app.request` in a test). */
function incomingSocket(
  c: Context,
):
  | (Partial<Pick<TLSSocket, "authorized" | "authorizationError" | "getPeerX509Certificate">> &
      IncomingSocket)
  | undefined {
  return (c.env as { incoming?: { socket?: IncomingSocket } } | undefined)?.incoming?.socket;
}

type IncomingSocket = { encrypted?: boolean; remoteAddress?: string };

/**
 * Whether this node's own TLS listener asks for client certificates (TLS_CLIENT_CA_FILE), whether a
 * trusted proxy passes them on (TLS_CLIENT_CERT_HEADER), and which keys must be bound
 * (TLS_CLIENT_CERT_REQUIRED).
 */
export interface ClientCertificateSettings {
  readonly asked: boolean;
  readonly required: BindingRequirement;
  readonly forwarded?: ForwardedCertificates;
}

/**
 * The client certificate of a request, and why it was not verified (OpenSSL's name, e.g.
 * `CERT_REVOKED`) — or why the request is refused whatever it presents.
 */
export type RequestCertificate =
  | { readonly certificate: ClientCertificate; readonly verificationError?: string }
  | { readonly refusal: { readonly reason: string; readonly detail: string } };

/**
 * The client certificate of a request, as the key check needs it: from the request's own TLS
 * connection, or from the certificate header when the connection comes from a trusted proxy (the
 * same value, checked against the same binding). Only a certificate the client CA verified is
 * named by its key; the TLS layer itself refuses none (see `httpsServerOptions`), so that keys not
 * bound to a certificate keep working.
 */
export function requestCertificate(
  c: Context,
  settings: ClientCertificateSettings | undefined,
): RequestCertificate {
  const forwarded = settings?.forwarded;
  if (forwarded) {
    const value = c.req.header(forwarded.header);
    const fromProxy = forwarded.proxies.has(clientAddress(c));
    // A client that sends the certificate header itself is forging what only the proxy may say:
    // the request is refused whatever else it carries (an unbound key included), and the failure is
    // recorded against its address. Ignoring the header and going on would hide both that attack
    // and a proxy whose address changed (TRUSTED_PROXIES out of date) until a bound key failed.
    if (value !== undefined && !fromProxy)
      return {
        refusal: {
          reason: "forwarded_certificate_untrusted_peer",
          detail: `this request carries the ${forwarded.header} header, which only the TLS-terminating proxy in front of this node may set, and it did not come from that proxy: send requests through the proxy without that header (the proxy sets it from the client certificate you present to it)`,
        },
      };
    if (fromProxy) {
      // The proxy sends no header when the client presented no certificate (nginx drops empty values).
      if (value === undefined || value === "") return { certificate: { state: "absent" } };
      const certificate = forwardedCertificateOf(value, forwarded.header);
      if (!certificate)
        return {
          refusal: {
            reason: "forwarded_certificate_malformed",
            detail: `the client certificate the proxy passed on in ${forwarded.header} is not one certificate in a form this node reads: present your certificate again, and if this persists ask the node's operator to have the proxy set ${forwarded.header} to the URL-encoded PEM of the client certificate (nginx: $ssl_client_escaped_cert)`,
          },
        };
      const problem = clientCertificateProblem(certificate, forwarded.trust());
      return problem
        ? { certificate: { state: "unverified" }, verificationError: problem }
        : { certificate: { state: "verified", clientKey: clientKeyOf(certificate) } };
    }
  }
  if (!settings?.asked) return { certificate: NO_CLIENT_CERTIFICATE };
  const socket = incomingSocket(c);
  if (socket?.encrypted !== true || typeof socket.getPeerX509Certificate !== "function")
    return { certificate: NO_CLIENT_CERTIFICATE };
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return { certificate: { state: "absent" } };
  if (socket.authorized !== true) {
    const verificationError = certificateVerificationError(socket.authorizationError);
    return { certificate: { state: "unverified" }, ...(verificationError ? { verificationError } : {}) };
  }
  return { certificate: { state: "verified", clientKey: clientKeyOf(certificate) } };
}

/**
 * Why the client CA did not verify the connection's certificate, as OpenSSL names it
 * (`CERT_REVOKED`, `CRL_HAS_EXPIRED`, `UNABLE_TO_GET_CRL`, …), for the failed authentication's
 * entry: a revoked certificate, and a CRL that lapsed for everyone, must be told apart there.
 */
function certificateVerificationError(error: unknown): string | undefined {
  // Node sets the code as a string, though its types say Error.
  if (typeof error === "string") return error;
  return error instanceof Error ? error.message : undefined;
}

/**
 * Whether the request reached the node over TLS: its connection, or a TLS-terminating proxy's
 * X-Forwarded-Proto when TLS_TERMINATED_BY_PROXY says one fronts the node (never otherwise).
 */
export function overTls(c: Context<GatewayEnv>): boolean {
  return c.get("overTls") ?? connectionIsTls(c);
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
  readonly limiter: AuthFailureLimiter;
  readonly sessions?: SessionSettings;
  /** Client certificates: whether they are asked for, and which keys must be bound to one. */
  readonly clientCertificates?: ClientCertificateSettings;
  /** Where a failure to write the count of failed authentications is reported. */
  readonly onAuditError?: (error: unknown) => void;
}): MiddlewareHandler<GatewayEnv> {
  return async function authenticateMiddleware(c, next) {
    const address = clientAddress(c);
    const header = c.req.header("authorization");
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    const sessionToken = header === undefined ? getCookie(c, SESSION_COOKIE) : undefined;
    const credential = match
      ? `key:${match[1]}`
      : sessionToken !== undefined
        ? `session:${sessionToken}`
        : `header:${header ?? ""}`;
    const wait = deps.limiter.blockedFor(address, credential);
    if (wait > 0) {
      c.header("retry-after", String(wait));
      return problem(c, "RATE_LIMITED", REPEATED_FAILURE);
    }
    const presented = requestCertificate(c, deps.clientCertificates);
    const certificate = "refusal" in presented ? NO_CLIENT_CERTIFICATE : presented.certificate;
    // Why a credential that matched was still refused (its client certificate), or why the request
    // is refused whatever it presents (a forged certificate header), for the answer.
    let refusal: string | undefined = "refusal" in presented ? presented.refusal.detail : undefined;
    let refusalReason: string | undefined =
      "refusal" in presented ? `request refused: ${presented.refusal.reason}` : undefined;
    if (sessionToken !== undefined && refusal === undefined) {
      const session = await resumeSession(deps.store, sessionToken, deps.sessions);
      // A session opened by a bound key is used only where the key itself could be.
      if (
        session?.boundTo !== undefined &&
        !(certificate.state === "verified" && certificate.clientKey === session.boundTo)
      ) {
        refusalReason = "console session of a bound key without its client certificate";
        refusal =
          "this console session was opened with a key bound to a client certificate; present that certificate (install it in the browser)";
      } else if (session) {
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
    const checked =
      match && refusal === undefined
        ? await checkApiKey(deps.store, match[1]!, certificate, deps.clientCertificates?.required ?? "none")
        : undefined;
    if (checked && !checked.accepted && checked.refusal) {
      refusal = checked.refusal.detail;
      const why =
        checked.refusal.reason === "certificate_unverified" && "certificate" in presented
          ? presented.verificationError
          : undefined;
      refusalReason = `key refused: ${checked.refusal.reason}${why ? ` (${why})` : ""}`;
    }
    const principal = checked?.accepted ? checked.principal : null;
    if (!principal) {
      // The key's public prefix identifies which key was tried; the secret part is never recorded.
      const prefix = match ? /^aos_([0-9a-f]{12})_/.exec(match[1]!)?.[1] : undefined;
      const retryAfter = await deps.limiter.fail(
        {
          address,
          credential,
          ...(prefix ? { keyPrefix: prefix } : {}),
          reason: refusalReason
            ? refusalReason
            : match
              ? "unknown, revoked or inactive key"
              : sessionToken !== undefined
                ? "expired, ended or unknown console session"
                : "no bearer key",
          method: c.req.method,
          path: c.req.path,
        },
        deps.audit,
        deps.onAuditError,
      );
      if (retryAfter > 0) {
        c.header("retry-after", String(retryAfter));
        return problem(c, "RATE_LIMITED", REPEATED_FAILURE);
      }
      if (refusal !== undefined) {
        c.header("www-authenticate", 'Bearer realm="aos"');
        return problem(c, "UNAUTHENTICATED", refusal);
      }
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
