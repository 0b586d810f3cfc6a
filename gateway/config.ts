import { z } from "zod";

/** The process's whole configuration, parsed once at start from the environment. Nothing else reads process.env. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Loopback by default: the embedded default is not meant to face a network without a proxy in front. */
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  /**
   * The control plane shared by several nodes (`postgres://user:password@host:5432/db`). Unset: the
   * embedded SQLite file in DATA_DIR, for one node.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
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
  /** Accepted jobs waiting to run; a full queue answers 429 QUEUE_FULL. */
  JOB_QUEUE_CAPACITY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Jobs one operator may have running at once. */
  OPERATOR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** OTLP/HTTP collector base URL; when unset, no telemetry is exported and instrumentation is a no-op. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default("aos-gateway"),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(1000).default(60_000),
  /** Largest request body accepted, in bytes (scripts are the largest bodies). */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses the environment, or throws a ConfigError listing every bad variable in plain words. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const known = Object.fromEntries(Object.keys(Config.shape).map((key) => [key, env[key] || undefined]));
  const parsed = Config.safeParse(known);
  if (parsed.success) {
    if (parsed.data.ROLE !== "all" && !parsed.data.DATABASE_URL) {
      throw new ConfigError(
        `invalid configuration:\n  ROLE: ${parsed.data.ROLE} shares the control plane with other nodes: set DATABASE_URL too`,
      );
    }
    return parsed.data;
  }
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}
