import { httpInstrumentationMiddleware } from "@hono/otel";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { DomainSigningKey } from "../audit/signing-key.ts";
import type { StoreAuditLedger } from "../audit/store-ledger.ts";
import type { AuditSink } from "../control/audit-sink.ts";
import type { ControlSecrets } from "../control/control-secrets.ts";
import { liveFreezes } from "../control/freezes.ts";
import type { JobService } from "../control/jobs/job-service.ts";
import type { NotificationSettings } from "../control/notification-services.ts";
import type { SessionSettings } from "../control/sessions.ts";
import { describeIssues, isDomainError } from "../policies/errors.ts";
import type { DataFileEncryption } from "../storage/at-rest/data-file-key.ts";
import type { DataDomain } from "../storage/data-domain.ts";
import { isOutOfSpace, type StorageSpace } from "../storage/space.ts";
import type { SqlStore } from "../storage/sql-store.ts";
import { type Logger, withLogContext } from "../telemetry/log.ts";
import { allowedMethods } from "./allowed-methods.ts";
import {
  AddressLimiter,
  AuthFailureLimiter,
  authenticateRequests,
  type ClientCertificateSettings,
  type GatewayEnv,
  SESSION_COOKIE,
  SESSION_PATH,
} from "./auth.ts";
import { registerConsole } from "./console.ts";
import { registerDocsRoutes } from "./docs-page.ts";
import { readJsonBodies } from "./json-body.ts";
import { problem } from "./problem.ts";
import { registerAlertRoutes } from "./routes/alerts.ts";
import { registerApplicationRoutes } from "./routes/applications.ts";
import { registerAuditRoutes } from "./routes/audit.ts";
import { registerBoundsDraftRoutes } from "./routes/bounds-draft.ts";
import { registerCreditRoutes } from "./routes/credit.ts";
import { DATA_UPLOAD_PATH, registerDataVersionRoutes } from "./routes/data-versions.ts";
import { registerDatasetRoutes } from "./routes/datasets.ts";
import { registerDummyRoutes } from "./routes/dummy.ts";
import { registerExplainRoutes } from "./routes/explain.ts";
import { registerFreezeRoutes } from "./routes/freezes.ts";
import { type ReadinessProbe, registerHealthRoutes } from "./routes/health.ts";
import { registerInboxRoutes } from "./routes/inbox.ts";
import { registerJobRoutes } from "./routes/jobs.ts";
import { registerKeyRoutes } from "./routes/keys.ts";
import { registerLicenseRoutes } from "./routes/licenses.ts";
import { registerOperatorRoutes } from "./routes/operators.ts";
import { registerPolicyRoutes } from "./routes/policies.ts";
import { registerProposalRoutes } from "./routes/proposals.ts";
import { PUBLIC_PREFIX, registerPublicRoutes } from "./routes/public.ts";
import { registerQualityRoutes } from "./routes/quality.ts";
import { registerRegistryRoutes } from "./routes/registries.ts";
import { registerReviewRoutes } from "./routes/reviews.ts";
import { registerSessionRoutes } from "./routes/session.ts";
import { registerSignOnRoutes, SIGN_ON_PATH } from "./routes/sign-on.ts";
import { registerStatementRoutes } from "./routes/statements.ts";
import { registerTariffRoutes } from "./routes/tariffs.ts";
import { registerUsageRoutes } from "./routes/usage.ts";
import { registerWebhookRoutes } from "./routes/webhooks.ts";
import { securityHeaders } from "./security-headers.ts";
import type { SingleSignOn } from "./single-sign-on.ts";

export interface GatewayServices {
  readonly controlPlane: SqlStore;
  readonly dataDomain: DataDomain;
  readonly readiness: ReadinessProbe;
  /** Where every change and every use is recorded before it takes effect. */
  readonly audit: AuditSink;
  readonly jobs: JobService;
  /** The ledger behind `audit`, for auditors' queries, verification and checkpoints. */
  readonly auditLedger: Pick<StoreAuditLedger, "query" | "verify" | "checkpoint">;
  /** The domain's public key (PEM; Ed25519 or SM2, by its crypto profile), published to whoever verifies receipts. */
  readonly domainPublicKeyPem: string;
  /** The domain's signing key, for statements signed on request; unset: this node issues none. */
  readonly domainSigningKey?: Pick<DomainSigningKey, "privateKey">;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Seals control-plane secrets (webhook secrets) under the node's KEK, when it has one. */
  readonly controlSecrets?: ControlSecrets;
  /**
   * Whether requests get spans: only when telemetry is exported. With no exporter the tracer is a
   * no-op, yet the middleware still reads routes and headers and records metrics for nothing.
   */
  readonly traceRequests?: boolean;
  /** Hours a license application may wait unacted on before it expires (APPLICATION_TTL_HOURS). */
  readonly applicationTtlHours?: number;
  /** Where data versions are stored and the largest upload (DATA_UPLOAD_MAX_BYTES); unset: this node takes none. */
  readonly dataSupply?: {
    readonly datasetsDir: string;
    readonly maxUploadBytes: number;
    /** With a KEK: version files are written encrypted. */
    readonly encryption?: DataFileEncryption | undefined;
  };
  /** Failed-authentication limiter; one per process (tests pass their own). */
  readonly authLimiter?: AuthFailureLimiter;
  /** Requests one address may make to the keyless public routes per minute (PUBLIC_REQUESTS_PER_MINUTE). */
  readonly publicLimiter?: AddressLimiter;
  /** Inbox streams and webhook address rules (defaults: 5 s polls, no loopback or private receivers). */
  readonly notifications?: NotificationSettings;
  /** Console sessions' idle and absolute expiry (SESSION_IDLE_MINUTES, SESSION_MAX_HOURS) and clock. */
  readonly sessions?: SessionSettings;
  /** The console's sign-in through the domain's OpenID provider (OIDC_*); unset: by key only. */
  readonly singleSignOn?: SingleSignOn;
  /** The built console (default: `console/dist` of the package); tests point it at their own folder. */
  readonly consoleDir?: string;
  /** Told of writes that fail for lack of space (the node is then not ready until space is freed). */
  readonly storageSpace?: Pick<StorageSpace, "failed">;
  /** A TLS-terminating proxy fronts the node (TLS_TERMINATED_BY_PROXY): its X-Forwarded-Proto is believed. */
  readonly tlsTerminatedByProxy?: boolean;
  /** Client certificates (mutual TLS): whether this node asks for them, and which keys must be bound to one. */
  readonly clientCertificates?: ClientCertificateSettings;
}

export const DEFAULT_PUBLIC_REQUESTS_PER_MINUTE = 60;

/**
 * Builds the configured gateway without listening, so tests drive it with `app.request`.
 *
 * @example
 * const app = newApp(services);
 * const res = await app.request("/healthz");
 */
export function newApp(services: GatewayServices): OpenAPIHono<GatewayEnv> {
  const app = new OpenAPIHono<GatewayEnv>({
    // Validation failures answer 400 problem documents naming each field and what is wrong with
    // it (zod's messages), never echoing values.
    defaultHook: (result, c) => {
      if (!result.success) {
        return problem(c, "BAD_REQUEST", `invalid request: ${describeIssues(result.error.issues)}`);
      }
    },
  });

  // First, so that every answer gets the headers, errors and not-found answers included.
  app.use(securityHeaders({ trustForwardedProto: services.tlsTerminatedByProxy ?? false }));
  app.use(requestId({ headerName: "x-request-id" }));
  // Spans named by route template (never the raw URL: ids and query strings stay out of names);
  // no request or response headers are captured, so keys never reach telemetry.
  if (services.traceRequests ?? true)
    app.use(httpInstrumentationMiddleware({ spanNameFactory: (c) => `${c.req.method} ${c.req.routePath}` }));
  // Every line written while a request is answered, at any layer, carries its id.
  app.use(function bindRequestId(c, next) {
    return withLogContext({ requestId: c.get("requestId") }, next);
  });
  app.use(async function accessLog(c, next) {
    const started = performance.now();
    await next();
    services.logger.info("request", {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      principal: c.get("principal")?.id,
    });
  });
  const limitBody = bodyLimit({
    maxSize: services.maxBodyBytes,
    onError: (c) =>
      problem(c, "PAYLOAD_TOO_LARGE", `request bodies are limited to ${services.maxBodyBytes} bytes`),
  });
  // A data version upload is streamed to disk under its own limit (DATA_UPLOAD_MAX_BYTES).
  app.use(function limitBodies(c, next) {
    return c.req.method === "POST" && DATA_UPLOAD_PATH.test(c.req.path) ? next() : limitBody(c, next);
  });

  const authLimiter = services.authLimiter ?? new AuthFailureLimiter();
  const authenticate = authenticateRequests({
    store: services.controlPlane,
    audit: services.audit,
    limiter: authLimiter,
    sessions: services.sessions,
    ...(services.clientCertificates ? { clientCertificates: services.clientCertificates } : {}),
    onAuditError: (error) =>
      services.logger.error("writing the count of failed authentications failed", { error }),
  });
  // The public routes take no key (open data, the license register), nor does the console's
  // sign-in (the key is in its body, or the OpenID provider vouches); everything else under /v1 does.
  app.use("/v1/*", function authenticateUnlessPublic(c, next) {
    const signIn =
      (c.req.method === "POST" && c.req.path === SESSION_PATH) ||
      (c.req.method === "GET" && (c.req.path === SIGN_ON_PATH || c.req.path.startsWith(`${SIGN_ON_PATH}/`)));
    // A console asking whether it is signed in, with nothing to present, is not a failed attempt:
    // it is answered 401 without counting against the address or filling the log.
    if (
      c.req.method === "GET" &&
      c.req.path === SESSION_PATH &&
      c.req.header("authorization") === undefined &&
      getCookie(c, SESSION_COOKIE) === undefined
    ) {
      c.header("www-authenticate", 'Bearer realm="aos"');
      return Promise.resolve(
        problem(c, "UNAUTHENTICATED", "not signed in: POST /v1/session with an API key"),
      );
    }
    return c.req.path.startsWith(PUBLIC_PREFIX) || signIn ? next() : authenticate(c, next);
  });
  app.use(readJsonBodies((method, path) => method === "POST" && DATA_UPLOAD_PATH.test(path)));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key issued by the bureau: `aos_<prefix>_<secret>`.",
  });
  registerHealthRoutes(app, services.readiness, () => liveFreezes(services.controlPlane));
  registerSessionRoutes(app, { ...services, authLimiter });
  registerSignOnRoutes(app, { ...services, authLimiter });
  registerDatasetRoutes(app, services);
  registerDataVersionRoutes(app, services);
  registerDummyRoutes(app, services);
  registerBoundsDraftRoutes(app, services);
  // Before the job routes: /v1/jobs/explain is a verb, not a job id.
  registerExplainRoutes(app, services);
  registerJobRoutes(app, services);
  registerReviewRoutes(app, services);
  // Before the operator routes, whose /v1/operators/{id}/{action} would take /violations and /exit.
  registerCreditRoutes(app, services);
  registerOperatorRoutes(app, services);
  registerKeyRoutes(app, services);
  registerLicenseRoutes(app, services);
  registerApplicationRoutes(app, services);
  registerPolicyRoutes(app, services);
  registerTariffRoutes(app, services);
  registerProposalRoutes(app, services);
  registerFreezeRoutes(app, services);
  registerAuditRoutes(app, services);
  registerUsageRoutes(app, services);
  registerStatementRoutes(app, services);
  registerInboxRoutes(app, services);
  registerWebhookRoutes(app, services);
  registerAlertRoutes(app, services);
  registerQualityRoutes(app, services);
  registerRegistryRoutes(app, services);
  registerPublicRoutes(app, {
    ...services,
    publicLimiter:
      services.publicLimiter ??
      new AddressLimiter({ events: DEFAULT_PUBLIC_REQUESTS_PER_MINUTE, windowMs: 60_000 }),
  });

  const openApiConfig = {
    openapi: "3.1.0",
    info: {
      title: "Authorized-operation sandbox",
      version: "1",
      description:
        "A secure domain for public data: licensed operators run analysis scripts against data they never see; only outputs that pass the bureau's policies leave.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    // Relative: each node answers on its own origin (PORT and HOST are configuration).
    servers: [{ url: "/", description: "the gateway that serves this document" }],
  };
  declareResponseHeaders(app);
  app.doc31("/openapi.json", openApiConfig);
  registerDocsRoutes(app, openApiConfig.info.title);

  // Last: the console answers only paths no API route took (never /v1, /docs, /healthz, …).
  registerConsole(app, { consoleDir: services.consoleDir });
  const methodsOf = allowedMethods(app);
  app.notFound((c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length === 0) return problem(c, "NOT_FOUND", "no such route");
    c.header("allow", allowed.join(", "));
    return problem(
      c,
      "METHOD_NOT_ALLOWED",
      `${c.req.method.slice(0, 16)} is not allowed on this path; it answers ${allowed.join(", ")}`,
    );
  });
  app.onError((error, c) => {
    // A write that failed for lack of space changed nothing (its transaction rolled back): the
    // node is not ready until space is freed, and says so here, on /readyz and once in its log.
    if (isOutOfSpace(error)) {
      services.storageSpace?.failed(error, "storage");
      c.header("retry-after", "30");
      return problem(
        c,
        "NOT_READY",
        "this node's storage is full, so nothing was changed: send the request again later (the node's operators see it in its log)",
      );
    }
    if (isDomainError(error)) {
      const retryAfter = error.extra.retryAfterSeconds;
      if (typeof retryAfter === "number") c.header("retry-after", String(retryAfter));
      return problem(c, error.code, error.detail);
    }
    if (error instanceof HTTPException && error.status < 500) return httpExceptionProblem(c, error.status);
    // The message may carry anything (even data): the log keeps its class, code and our frames only.
    services.logger.error("unhandled error", { requestId: c.get("requestId"), error });
    return problem(c, "INTERNAL", "internal error; quote the request id to the operators of this domain");
  });
  return app;
}

/** Hono's own refusals (a validator's content-type gate, its JSON reader), said as what to do. */
function httpExceptionProblem(c: Context<GatewayEnv>, status: number): Response {
  if (status === 415) {
    const sent = c.req.header("content-type");
    return problem(
      c,
      "UNSUPPORTED_MEDIA_TYPE",
      `expected a body of type application/json, got ${sent ? sent.slice(0, 100) : "no Content-Type"}: send JSON with Content-Type: application/json`,
    );
  }
  if (status === 401) return problem(c, "UNAUTHENTICATED", "send an API key: Authorization: Bearer <key>");
  if (status === 413) return problem(c, "PAYLOAD_TOO_LARGE", "the request body is too large");
  if (status === 400)
    return problem(c, "BAD_REQUEST", "the request body is not valid JSON: check quotes, commas and brackets");
  return problem(
    c,
    "BAD_REQUEST",
    `the request was refused (HTTP ${status}): check its method, headers and body against /openapi.json`,
  );
}

/**
 * Declares in the contract the headers the middleware and error handling add to answers, so that
 * generated clients know them: `x-request-id` on every answer, `WWW-Authenticate` on 401 and
 * `Retry-After` on 429 and 503. Runs after every route is registered; the document is built from
 * the registry when first asked for.
 */
function declareResponseHeaders(app: OpenAPIHono<GatewayEnv>): void {
  const text = (description: string) => ({ description, schema: { type: "string" as const } });
  const requestIdHeader = { "x-request-id": text("The request's id; quote it when reporting a problem.") };
  const byStatus: Record<string, Record<string, ReturnType<typeof text>>> = {
    "401": { "www-authenticate": text("The scheme to authenticate with: `Bearer`.") },
    "429": { "retry-after": text("Seconds to wait before trying again.") },
    "503": { "retry-after": text("Seconds to wait before trying again.") },
  };
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const responses = definition.route.responses;
    for (const [status, response] of Object.entries(responses)) {
      if ("$ref" in response) continue;
      // Header objects only: no route declares its headers as a zod object.
      const own = response.headers && !("shape" in response.headers) ? response.headers : {};
      responses[status] = { ...response, headers: { ...own, ...requestIdHeader, ...byStatus[status] } };
    }
  }
}
