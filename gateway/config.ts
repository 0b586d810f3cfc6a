import { isIP } from "node:net";
import { z } from "zod";
import { CryptoProfileName } from "../audit/crypto-profile.ts";
import type { NotificationSettings } from "../control/notification-services.ts";
import { RoleMapping } from "../control/single-sign-on.ts";

/** The process's whole configuration, parsed once at start from the environment. Nothing else reads process.env. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Loopback by default: the embedded default is not meant to face a network without a proxy in front. */
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  /** HTTPS: the certificate (PEM) and its private key; re-read on SIGHUP (docs/security.md#tls). */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** Intermediate certificates (PEM) sent after TLS_CERT_FILE, when its issuer is not a root clients trust. */
  TLS_CA_FILE: z.string().min(1).optional(),
  /**
   * Mutual TLS: the CA (PEM) whose client certificates are asked for. A key bound to a certificate
   * is then refused without it; other keys work with or without one.
   */
  TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  /**
   * The client CA's certificate revocation lists (PEM, one or more; re-read on SIGHUP): a revoked
   * client certificate is not verified, so a key bound to it is refused. Needs TLS_CLIENT_CA_FILE.
   */
  TLS_CLIENT_CRL_FILE: z.string().min(1).optional(),
  /**
   * Which keys must be bound to a client certificate to be accepted at all: `none` (the default:
   * bound keys need their certificate, others work as before), `operators`, or `all` (bind the
   * bureau's own keys first). Needs TLS_CLIENT_CA_FILE.
   */
  TLS_CLIENT_CERT_REQUIRED: z.enum(["none", "operators", "all"]).default("none"),
  /**
   * Client certificates a TLS-terminating proxy verified and passes on in this request header
   * (nginx: `proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;`, a URL-encoded PEM).
   * Believed only from TRUSTED_PROXIES, and verified here too against TLS_CLIENT_CA_FILE and
   * TLS_CLIENT_CRL_FILE. Unset (the default): no header is believed.
   */
  TLS_CLIENT_CERT_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/, "a header name: letters, digits and - (e.g. X-SSL-Client-Cert)")
    .transform((name) => name.toLowerCase())
    .refine((name) => !HEADERS_READ_OTHERWISE.has(name), {
      message: "names a header this gateway reads for something else: pick another (e.g. X-SSL-Client-Cert)",
    })
    .optional(),
  /**
   * The proxies trusted to set TLS_CLIENT_CERT_HEADER, by the address they connect from (the TCP
   * peer, never X-Forwarded-For): a comma list of IPv4 and IPv6 addresses and CIDR ranges.
   */
  TRUSTED_PROXIES: z
    .string()
    .transform((text, ctx) => {
      const ranges: ProxyRange[] = [];
      for (const entry of text.split(",").map((part) => part.trim())) {
        const range = proxyRangeOf(entry);
        if (typeof range === "string") ctx.addIssue({ code: "custom", message: range });
        else ranges.push(range);
      }
      return ranges;
    })
    .optional(),
  /**
   * Plain HTTP on a non-loopback HOST because a TLS-terminating proxy in front is the only way in.
   * Only then is the proxy's X-Forwarded-Proto believed (for HSTS and Secure cookies).
   */
  TLS_TERMINATED_BY_PROXY: z.stringbool().default(false),
  /**
   * The control plane shared by several nodes (`postgres://user:password@host:5432/db`). Unset: the
   * embedded SQLite file in DATA_DIR, for one node.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  /**
   * TLS to PostgreSQL: the CA (PEM) that issued the server's certificate. With it the connection is
   * encrypted and the server verified (host name included), whatever DATABASE_URL's sslmode says.
   */
  DATABASE_CA_FILE: z.string().min(1).optional(),
  /** A client certificate and its key (PEM) for servers that authenticate nodes by certificate. */
  DATABASE_CERT_FILE: z.string().min(1).optional(),
  DATABASE_KEY_FILE: z.string().min(1).optional(),
  /**
   * Plain (unencrypted) connections to a PostgreSQL that is not on this machine: refused unless
   * this is true (a private network the operator vouches for). Loopback is always allowed.
   */
  DATABASE_ALLOW_PLAINTEXT: z.stringbool().default(false),
  /**
   * What this process does: `all` (the default: HTTP and job runs), `gateway` (HTTP only,
   * stateless), or `runner` (the sandbox pool: claims and runs jobs, no HTTP). Split roles need
   * DATABASE_URL, since they share the control plane.
   */
  ROLE: z.enum(["all", "gateway", "runner"]).default("all"),
  /** This runner's name in job leases (default: host name and process id); unique among live runners. */
  RUNNER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, "letters, digits and . _ : - only, at most 100")
    .optional(),
  /** How long a running job's lease lasts without renewal; a runner that dies loses its jobs after this. */
  JOB_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  /** Size of the demo domain generated on first start: 1 ≈ 1M residents; 0.1 starts in seconds. */
  SEED_SCALE: z.coerce.number().positive().max(100).default(0.1),
  SEED: z.coerce.number().int().safe().default(20251),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** How long shutdown waits for in-flight requests before closing the stores. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Sandbox worker processes (each runs one job at a time). */
  SANDBOX_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
  /**
   * OS containment of sandbox workers (bubblewrap: namespaces, read-only view, seccomp, uid):
   * `strict` refuses to start without every layer, `best-effort` warns naming what is missing.
   */
  SANDBOX_CONTAINMENT: z.enum(["strict", "best-effort", "off"]).default("best-effort"),
  /**
   * Memory each worker process may hold in all, from its cgroup where the host offers cgroups:
   * above the largest isolate heap (`heapMb`) a job may ask for, plus about 200 MiB for node.
   */
  SANDBOX_WORKER_MEMORY_MB: z.coerce.number().int().min(128).max(1_048_576).default(1536),
  /** CPU each worker process may use, in percent of one core (its cgroup's quota). */
  SANDBOX_WORKER_CPU_PERCENT: z.coerce.number().int().min(1).max(6400).default(100),
  /**
   * The crypto profile of a new data folder: `international` (Ed25519, SHA-256, AES-256-GCM) or
   * `sm` (SM2, SM3, SM4). Unset: a new folder is `international`, an existing one keeps its own;
   * set to another profile than an existing folder's, the start is refused.
   */
  CRYPTO_PROFILE: CryptoProfileName.optional(),
  /** Accepted jobs waiting to run; a full queue answers 429 QUEUE_FULL. */
  JOB_QUEUE_CAPACITY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Jobs one operator may have running at once. */
  OPERATOR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** OTLP/HTTP collector base URL; when unset, no telemetry is exported and instrumentation is a no-op. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default("aos-gateway"),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(1000).default(60_000),
  /** Requests one client address may make per minute to the keyless public routes (open data, registers). */
  PUBLIC_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** Minutes a console session may go unused before it ends. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
  /** Hours a console session lasts at most from sign-in, however much it is used. */
  SESSION_MAX_HOURS: z.coerce.number().positive().max(720).default(12),
  /** Hours a license application may wait with nobody acting on it before it expires (default 14 days). */
  APPLICATION_TTL_HOURS: z.coerce.number().positive().max(8760).default(336),
  /**
   * Where the data versions of the datasets live (default DATA_DIR/datasets). Nodes on several
   * machines point it at one shared folder: gateways write new versions there, runners read them.
   */
  DATASETS_DIR: z.string().min(1).optional(),
  /** Largest data version upload accepted, in bytes (streamed to disk, never held in memory). */
  DATA_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 ** 4)
    .default(1024 ** 3),
  /** Largest request body accepted, in bytes (scripts are the largest bodies). */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /**
   * The key-encryption key (KEK) that seals the signing key, control-plane secrets and the data
   * files' keys: a file holding 32 random bytes in base64 (KEK_FILE, preferred: it stays out of
   * the process environment), or the base64 itself (KEK). Neither: encryption at rest is off.
   */
  KEK_FILE: z.string().min(1).optional(),
  KEK: z.string().min(1).optional(),
  /** `strict` refuses to start without a KEK; `best-effort` starts with encryption at rest off, and says so. */
  AT_REST_ENCRYPTION: z.enum(["strict", "best-effort"]).default("best-effort"),
  ...notificationConfig(),
  ...singleSignOnConfig(),
});
export type Config = z.infer<typeof Config>;

/** One entry of TRUSTED_PROXIES: an address, or a CIDR range when `prefix` is shorter than the address. */
export interface ProxyRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

/** Headers the gateway or its proxy use for something else: a certificate header must not be one of them. */
const HEADERS_READ_OTHERWISE: ReadonlySet<string> = new Set([
  "authorization",
  "cookie",
  "host",
  "content-type",
  "content-length",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-csrf-token",
  "x-request-id",
]);

/** An entry of TRUSTED_PROXIES, or what is wrong with it (the entry named, so the operator finds it). */
function proxyRangeOf(entry: string): ProxyRange | string {
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  const family = version === 4 ? "ipv4" : "ipv6";
  const bits = version === 4 ? 32 : 128;
  if (entry === "" || version === 0 || rest.length > 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)))
    return `${JSON.stringify(entry)} is not an IP address or a CIDR range: list the proxies' addresses, comma-separated (e.g. 10.0.0.5,10.0.1.0/24,fd00::/64)`;
  const length = prefix === undefined ? bits : Number(prefix);
  if (length > bits)
    return `${JSON.stringify(entry)}: an ${family === "ipv4" ? "IPv4" : "IPv6"} range has at most ${bits} prefix bits`;
  // Trusting every address would let any client set the certificate header.
  if (length === 0)
    return `${JSON.stringify(entry)} trusts every address, so any client could forward a certificate of its choosing: list only the proxies' addresses`;
  return { address, prefix: length, family };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses the environment, or throws a ConfigError listing every bad variable in plain words. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const known = Object.fromEntries(Object.keys(Config.shape).map((key) => [key, env[key] || undefined]));
  const parsed = Config.safeParse(known);
  if (parsed.success) {
    const refusal = combinationRefusal(parsed.data);
    if (refusal) throw new ConfigError(`invalid configuration:\n  ${refusal}`);
    const signOn = singleSignOnProblems(parsed.data);
    if (signOn.length > 0)
      throw new ConfigError(`invalid configuration:\n${signOn.map((line) => `  ${line}`).join("\n")}`);
    return parsed.data;
  }
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}

/** What is wrong with settings that are each valid alone, or undefined. */
function combinationRefusal(config: Config): string | undefined {
  if (config.ROLE !== "all" && !config.DATABASE_URL)
    return `ROLE: ${config.ROLE} shares the control plane with other nodes: set DATABASE_URL too`;
  if (Boolean(config.TLS_CERT_FILE) !== Boolean(config.TLS_KEY_FILE))
    return "TLS_CERT_FILE and TLS_KEY_FILE: HTTPS needs both the certificate and its private key";
  const forwarded = forwardedCertificateRefusal(config);
  if (forwarded) return forwarded;
  // Client certificates arrive over this node's own HTTPS, or forwarded by a trusted proxy.
  if (
    !config.TLS_CERT_FILE &&
    (config.TLS_CA_FILE || (config.TLS_CLIENT_CA_FILE && !config.TLS_CLIENT_CERT_HEADER))
  )
    return "TLS_CA_FILE and TLS_CLIENT_CA_FILE apply to HTTPS: set TLS_CERT_FILE and TLS_KEY_FILE too (or, for client certificates a TLS-terminating proxy verifies, TLS_CLIENT_CERT_HEADER and TRUSTED_PROXIES)";
  if (config.TLS_CLIENT_CRL_FILE && !config.TLS_CLIENT_CA_FILE)
    return "TLS_CLIENT_CRL_FILE revokes client certificates, and none are asked for: set TLS_CLIENT_CA_FILE too (the CA whose CRL it is)";
  if (config.TLS_CLIENT_CERT_REQUIRED !== "none" && !config.TLS_CLIENT_CA_FILE)
    return `TLS_CLIENT_CERT_REQUIRED=${config.TLS_CLIENT_CERT_REQUIRED} needs client certificates: set TLS_CLIENT_CA_FILE, and serve HTTPS here (TLS_CERT_FILE) or have the TLS-terminating proxy in front pass each verified certificate on (TLS_CLIENT_CERT_HEADER and TRUSTED_PROXIES)`;
  const database = databaseTlsRefusal(config);
  if (database) return database;
  // A runner listens on nothing. Anywhere else, plain HTTP off loopback would carry keys and
  // results in clear text.
  if (
    config.ROLE !== "runner" &&
    !config.TLS_CERT_FILE &&
    !config.TLS_TERMINATED_BY_PROXY &&
    !isLoopback(config.HOST)
  )
    return `HOST: ${config.HOST} is reachable from the network and plain HTTP would carry keys and results in clear text: set TLS_CERT_FILE and TLS_KEY_FILE to serve HTTPS, or TLS_TERMINATED_BY_PROXY=true if a TLS-terminating proxy in front is the only way in, or HOST=127.0.0.1 for this machine only`;
  return undefined;
}

/** What is wrong with the forwarded client certificate settings (TLS_CLIENT_CERT_HEADER), or undefined. */
function forwardedCertificateRefusal(config: Config): string | undefined {
  if (config.TLS_CLIENT_CERT_HEADER && !config.TRUSTED_PROXIES)
    return "TLS_CLIENT_CERT_HEADER is believed only from the TLS-terminating proxy: set TRUSTED_PROXIES to the address it connects from (a comma list of IPs or CIDR ranges, e.g. 10.0.0.5,fd00::/64)";
  if (config.TRUSTED_PROXIES && !config.TLS_CLIENT_CERT_HEADER)
    return "TRUSTED_PROXIES names the proxies trusted to pass client certificates on: set TLS_CLIENT_CERT_HEADER too (the header they put the certificate in), or unset TRUSTED_PROXIES";
  if (config.TLS_CLIENT_CERT_HEADER && !config.TLS_CLIENT_CA_FILE)
    return "TLS_CLIENT_CERT_HEADER: this node verifies each forwarded certificate itself: set TLS_CLIENT_CA_FILE to the client CA (and TLS_CLIENT_CRL_FILE to its CRL)";
  return undefined;
}

/** What is wrong with the PostgreSQL TLS settings, or undefined (see `databaseTls` in storage/postgres-store.ts). */
function databaseTlsRefusal(config: Config): string | undefined {
  const files = config.DATABASE_CA_FILE || config.DATABASE_CERT_FILE || config.DATABASE_KEY_FILE;
  if (!config.DATABASE_URL)
    return files
      ? "DATABASE_CA_FILE, DATABASE_CERT_FILE and DATABASE_KEY_FILE apply to DATABASE_URL: set it too"
      : undefined;
  if (Boolean(config.DATABASE_CERT_FILE) !== Boolean(config.DATABASE_KEY_FILE))
    return "DATABASE_CERT_FILE and DATABASE_KEY_FILE: a client certificate needs its key, and the key its certificate";
  let url: URL;
  try {
    url = new URL(config.DATABASE_URL);
  } catch {
    return "DATABASE_URL: not a URL (postgres://user:password@host:5432/db)";
  }
  const mode = url.searchParams.get("sslmode");
  // A `host` parameter names a Unix socket (a path) or the host itself.
  const host = url.searchParams.get("host") ?? (url.hostname || "localhost");
  if (files && mode === "disable")
    return "DATABASE_URL has sslmode=disable while DATABASE_CA_FILE or DATABASE_CERT_FILE asks for TLS: drop one of them";
  const encrypted =
    Boolean(files) || (mode !== null && mode !== "disable" && mode !== "allow" && mode !== "prefer");
  if (!encrypted && !isLoopback(host) && !host.startsWith("/") && !config.DATABASE_ALLOW_PLAINTEXT)
    return `DATABASE_URL: PostgreSQL at ${host} is not on this machine, and the connection would carry keys, jobs and audit entries in clear text: add ?sslmode=verify-full and DATABASE_CA_FILE=<the CA that issued the server's certificate> (or sslmode=require to encrypt without verifying), or DATABASE_ALLOW_PLAINTEXT=true on a private network you vouch for`;
  return undefined;
}

/** Whether a listening address is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(bare);
}

/** How the node's HTTP reaches clients: its own TLS, a proxy's, or plain on loopback. */
export type Transport = "https" | "behind-tls-proxy" | "loopback-http";

export function transportOf(config: Config): Transport {
  if (config.TLS_CERT_FILE) return "https";
  return config.TLS_TERMINATED_BY_PROXY ? "behind-tls-proxy" : "loopback-http";
}

/** Console sign-in through an OpenID provider (docs/security.md, "Trusted identity"). Unset: sign-in by key only. */
function singleSignOnConfig() {
  return {
    /** The provider's issuer URL (its discovery document is at `<issuer>/.well-known/openid-configuration`). */
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).max(300).optional(),
    /** The client secret, or OIDC_CLIENT_SECRET_FILE naming a file that holds it (kept out of the environment). */
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET_FILE: z.string().min(1).optional(),
    /** This gateway's callback as the provider knows it: `https://<console host>/v1/session/sign-on/callback`. */
    OIDC_REDIRECT_URL: z.url().optional(),
    OIDC_SCOPES: z
      .string()
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, "scopes separated by single spaces")
      .default("openid profile"),
    /** The ID-token claim holding the person's roles or groups (a string or a list of strings). */
    OIDC_ROLE_CLAIM: z.string().min(1).max(100).default("groups"),
    /**
     * Role-claim values to roles, as JSON: `{"<value>": "bureau[:org]" | "auditor[:org]" |
     * "holder:<department>" | "operator:<operator id>"}`.
     */
    OIDC_ROLES: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "must be a JSON object of role-claim values to roles" });
          return z.NEVER;
        }
      })
      .pipe(RoleMapping)
      .optional(),
    /** The ID-token claim that identifies the person for good (the provider's `sub` unless it says otherwise). */
    OIDC_SUBJECT_CLAIM: z.string().min(1).max(100).default("sub"),
    /** The provider's name on the console's sign-in button (default: the issuer's host). */
    OIDC_PROVIDER_NAME: z.string().trim().min(1).max(100).optional(),
    /** Whom a person refused at sign-in should ask, in the refusal page's words. */
    OIDC_CONTACT: z.string().trim().min(1).max(300).default("the data bureau's identity administrator"),
  };
}

/** What is missing or unsafe in a single sign-on configuration: all of it or none of it. */
function singleSignOnProblems(config: Config): string[] {
  const given = [config.OIDC_CLIENT_ID, config.OIDC_REDIRECT_URL, config.OIDC_ROLES].some(
    (v) => v !== undefined,
  );
  if (!config.OIDC_ISSUER)
    return given ? ["OIDC_ISSUER: the other OIDC_ settings need the provider's issuer URL"] : [];
  const problems: string[] = [];
  if (!config.OIDC_CLIENT_ID)
    problems.push("OIDC_CLIENT_ID: the client id the provider registered for this gateway");
  if (!config.OIDC_CLIENT_SECRET === !config.OIDC_CLIENT_SECRET_FILE)
    problems.push("OIDC_CLIENT_SECRET: set it or OIDC_CLIENT_SECRET_FILE, one of them");
  if (!config.OIDC_REDIRECT_URL)
    problems.push("OIDC_REDIRECT_URL: this gateway's callback, https://<host>/v1/session/sign-on/callback");
  if (!config.OIDC_ROLES || Object.keys(config.OIDC_ROLES).length === 0)
    problems.push("OIDC_ROLES: map at least one role-claim value to a role, or nobody can sign in");
  // Plain HTTP to the provider only on this host (development and tests): tokens cross that link.
  for (const [name, url] of [
    ["OIDC_ISSUER", config.OIDC_ISSUER],
    ["OIDC_REDIRECT_URL", config.OIDC_REDIRECT_URL],
  ] as const) {
    if (url?.startsWith("http:") && !isLoopback(new URL(url).hostname))
      problems.push(`${name}: must be https:// (plain http only on this host)`);
  }
  return problems;
}

/** Inboxes, webhooks, risk alerts and license-expiry notices (docs/notifications.md). */
function notificationConfig() {
  const ms = (fallback: number) => z.coerce.number().int().min(1).max(86_400_000).default(fallback);
  const count = (fallback: number) => z.coerce.number().int().min(2).max(1_000_000).default(fallback);
  const percent = (fallback: number) => z.coerce.number().positive().max(100).default(fallback);
  return {
    /** How often an inbox stream reads the store when no wake-up came (the safety net). */
    INBOX_POLL_MS: ms(5_000),
    /** Keep-alive interval of inbox streams. */
    INBOX_KEEPALIVE_MS: ms(15_000),
    /** Webhooks to receivers on this host (127.0.0.0/8, ::1); off by default (SSRF). Tests turn it on. */
    WEBHOOK_ALLOW_LOOPBACK: z.stringbool().default(false),
    /** Webhooks to private-network receivers (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); off by default. */
    WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
    WEBHOOK_TIMEOUT_MS: ms(10_000),
    /** Attempts before a delivery is marked failed. */
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(8),
    /** First retry delay; doubled per attempt (with jitter) up to WEBHOOK_RETRY_MAX_MS. */
    WEBHOOK_RETRY_BASE_MS: ms(10_000),
    WEBHOOK_RETRY_MAX_MS: ms(3_600_000),
    /** How often the risk-alert rules read new audit entries. */
    ALERT_INTERVAL_MS: ms(30_000),
    /** Refused queries from one operator within ALERT_REFUSAL_WINDOW_MS that raise an alert. */
    ALERT_REFUSALS: count(10),
    ALERT_REFUSAL_WINDOW_MS: ms(600_000),
    /** A budget alert: more than this % of a period's ε spent … */
    ALERT_BUDGET_SPENT_PCT: percent(50),
    /** … within less than this % of the period. */
    ALERT_BUDGET_ELAPSED_PCT: percent(10),
    /** Queries of one shape differing in one literal, within ALERT_DIFFERENCING_WINDOW_MS. */
    ALERT_DIFFERENCING_QUERIES: count(8),
    ALERT_DIFFERENCING_WINDOW_MS: ms(3_600_000),
    ALERT_AUTH_FAILURES_PER_ADDRESS: count(20),
    ALERT_AUTH_FAILURES_PER_KEY: count(5),
    ALERT_AUTH_WINDOW_MS: ms(300_000),
    /** Days without a new violation after which an operator's violations stop counting (docs/credit.md). */
    CREDIT_REPAIR_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    /** Days before a license ends that its operator and the bureau are told. */
    LICENSE_EXPIRY_NOTICE_DAYS: z.coerce.number().positive().max(365).default(7),
    LICENSE_SWEEP_MS: ms(3_600_000),
  };
}

/** The notification settings of a configuration. */
export function notificationSettings(config: Config): NotificationSettings {
  return {
    inboxPollMs: config.INBOX_POLL_MS,
    keepAliveMs: config.INBOX_KEEPALIVE_MS,
    delivery: {
      policy: { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      baseDelayMs: config.WEBHOOK_RETRY_BASE_MS,
      maxDelayMs: config.WEBHOOK_RETRY_MAX_MS,
      pollMs: config.INBOX_POLL_MS,
    },
    alerts: {
      refusals: config.ALERT_REFUSALS,
      refusalWindowMs: config.ALERT_REFUSAL_WINDOW_MS,
      budgetSpentShare: config.ALERT_BUDGET_SPENT_PCT / 100,
      budgetElapsedShare: config.ALERT_BUDGET_ELAPSED_PCT / 100,
      differencingQueries: config.ALERT_DIFFERENCING_QUERIES,
      differencingWindowMs: config.ALERT_DIFFERENCING_WINDOW_MS,
      authFailuresPerAddress: config.ALERT_AUTH_FAILURES_PER_ADDRESS,
      authFailuresPerKey: config.ALERT_AUTH_FAILURES_PER_KEY,
      authWindowMs: config.ALERT_AUTH_WINDOW_MS,
    },
    alertIntervalMs: config.ALERT_INTERVAL_MS,
    credit: { repairDays: config.CREDIT_REPAIR_DAYS },
    licenseNoticeMs: config.LICENSE_EXPIRY_NOTICE_DAYS * 86_400_000,
    licenseSweepMs: config.LICENSE_SWEEP_MS,
  };
}
