import type {
  AuditEntry,
  AuditQuery,
  AuditVerification,
  DatasetDetail,
  DatasetManifest,
  DatasetSummary,
  ErrorCode,
  Job,
  JobEvent,
  JobStatus,
  JobSubmission,
  License,
  LicenseAction,
  LicenseStatus,
  LicenseView,
  OperatorAction,
  OperatorDoc,
  OperatorRegistration,
  OperatorStatus,
  OutputFormat,
  OutputRows,
  PendingReview,
  PolicyVersionDoc,
  ProblemDocument,
  ReviewRecord,
  UsageQuery,
  UsageReport,
} from "./types.ts";

export type * from "./types.ts";

/**
 * An error answer of the API, carrying the problem document's stable `code`, or a network failure
 * (`status` 0, `code` "NETWORK").
 *
 * @example
 * try { await client.job("job_x"); }
 * catch (error) { if (error instanceof ApiError && error.code === "NOT_FOUND") console.error("no such job"); }
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: ErrorCode | "NETWORK",
    readonly status: number,
    readonly detail: string,
    readonly requestId: string,
  ) {
    super(`${code}${status ? ` (${status})` : ""}: ${detail}`);
  }
}

export interface AosClientOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** API key (`aos_<prefix>_<secret>`). */
  readonly key?: string;
  /** A fetch implementation (tests, proxies); the global one by default. */
  readonly fetch?: typeof fetch;
}

/** Job states after which nothing runs any more. */
export const SETTLED: ReadonlySet<JobStatus> = new Set([
  "released",
  "held",
  "rejected",
  "failed",
  "cancelled",
]);

const ARROW = "application/vnd.apache.arrow.stream";

type Query = Record<string, string | number | undefined>;

/**
 * A typed client of the sandbox's HTTP API (v1). Every method resolves with the answer's body or
 * throws `ApiError`.
 *
 * @example
 * const aos = new AosClient({ url: "http://127.0.0.1:8080", key: process.env.AOS_KEY });
 * const job = await aos.submitJob({ script, license: "lic_…" }, { idempotencyKey: crypto.randomUUID() });
 * const done = await aos.waitForJob(job.id);
 * if (done.status === "released") console.log(await aos.output(done.id, "by_district", "csv"));
 */
export class AosClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: AosClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** Sends one request and answers the raw response when it is a success; errors become `ApiError`. */
  async request(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const url = new URL(`${this.base}${path}`);
    for (const [name, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { ...init.headers };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new ApiError("NETWORK", 0, `cannot reach ${this.base}${cause ? ` (${cause})` : ""}`, "");
    }
    if (res.ok) return res;
    const text = await res.text();
    let problem: Partial<ProblemDocument> = {};
    try {
      problem = JSON.parse(text) as ProblemDocument;
    } catch {
      // A proxy or a crashed server may answer without a problem document: keep the status.
    }
    throw new ApiError(
      problem.code ?? (res.status >= 500 ? "INTERNAL" : "BAD_REQUEST"),
      res.status,
      problem.detail ?? (res.statusText || "request failed"),
      problem.requestId ?? res.headers.get("x-request-id") ?? "",
    );
  }

  private async json<T>(method: string, path: string, init: Parameters<AosClient["request"]>[2] = {}) {
    const res = await this.request(method, path, init);
    return (await res.json()) as T;
  }

  // ── catalog ─────────────────────────────────────────────────────────────

  /** The catalog: every dataset with its grade and holder. */
  async datasets(): Promise<DatasetSummary[]> {
    return (await this.json<{ datasets: DatasetSummary[] }>("GET", "/v1/datasets")).datasets;
  }

  /** One dataset's manifest (schema, column rules, bounds) and policy version. */
  dataset(name: string): Promise<DatasetDetail> {
    return this.json("GET", `/v1/datasets/${encodeURIComponent(name)}`);
  }

  /**
   * Synthetic rows made from the manifest only.
   *
   * @example
   * const rows = await aos.dummy("population", { rows: 50 });
   */
  dummy(name: string, options?: { rows?: number; seed?: number; format?: "json" }): Promise<OutputRows>;
  dummy(name: string, options: { rows?: number; seed?: number; format: "csv" }): Promise<string>;
  async dummy(
    name: string,
    options: { rows?: number; seed?: number; format?: "json" | "csv" } = {},
  ): Promise<OutputRows | string> {
    const res = await this.request("GET", `/v1/datasets/${encodeURIComponent(name)}/dummy`, {
      query: { rows: options.rows, seed: options.seed },
      headers: { accept: options.format === "csv" ? "text/csv" : "application/json" },
    });
    return options.format === "csv" ? res.text() : ((await res.json()) as OutputRows);
  }

  /** Publishes a manifest as the dataset's new policy version (bureau). */
  publishPolicy(name: string, manifest: DatasetManifest, note?: string): Promise<PolicyVersionDoc> {
    return this.json("PUT", `/v1/datasets/${encodeURIComponent(name)}/policy`, {
      body: manifest,
      query: { note },
    });
  }

  // ── licenses and operators ─────────────────────────────────────────────

  /** Licenses with their budget left: an operator's own, or all (filterable) for the bureau and auditors. */
  async licenses(filter: { operator?: string; status?: LicenseStatus } = {}): Promise<LicenseView[]> {
    return (await this.json<{ licenses: LicenseView[] }>("GET", "/v1/licenses", { query: filter })).licenses;
  }

  license(id: string): Promise<LicenseView> {
    return this.json("GET", `/v1/licenses/${encodeURIComponent(id)}`);
  }

  /** Grants a license (bureau). */
  grantLicense(license: License | Record<string, unknown>): Promise<LicenseView> {
    return this.json("POST", "/v1/licenses", { body: license });
  }

  /** Amends a license under the same id (bureau). */
  amendLicense(id: string, license: License | Record<string, unknown>): Promise<LicenseView> {
    return this.json("PUT", `/v1/licenses/${encodeURIComponent(id)}`, { body: license });
  }

  /** Suspends, reinstates, revokes or expires a license with a reason (bureau). */
  changeLicense(id: string, action: LicenseAction, reason: string): Promise<LicenseView> {
    return this.json("POST", `/v1/licenses/${encodeURIComponent(id)}/${action}`, { body: { reason } });
  }

  async operators(filter: { status?: OperatorStatus } = {}): Promise<OperatorDoc[]> {
    return (await this.json<{ operators: OperatorDoc[] }>("GET", "/v1/operators", { query: filter }))
      .operators;
  }

  operator(id: string): Promise<OperatorDoc> {
    return this.json("GET", `/v1/operators/${encodeURIComponent(id)}`);
  }

  /** Admits an operator (bureau); the answer carries its first API key, shown once. */
  admitOperator(
    registration: OperatorRegistration,
  ): Promise<{ operator: OperatorDoc; apiKey: { key: string; prefix: string } }> {
    return this.json("POST", "/v1/operators", { body: registration });
  }

  changeOperator(id: string, action: OperatorAction, reason: string): Promise<OperatorDoc> {
    return this.json("POST", `/v1/operators/${encodeURIComponent(id)}/${action}`, { body: { reason } });
  }

  // ── jobs ────────────────────────────────────────────────────────────────

  /**
   * Submits a script. With an `idempotencyKey`, a retry of the same submission answers the job the
   * first attempt created instead of a second one.
   */
  submitJob(submission: JobSubmission, options: { idempotencyKey?: string } = {}): Promise<Job> {
    return this.json("POST", "/v1/jobs", {
      body: submission,
      ...(options.idempotencyKey ? { headers: { "idempotency-key": options.idempotencyKey } } : {}),
    });
  }

  /** A job; with `wait`, the server holds the answer up to that many seconds (max 60) for it to settle. */
  job(id: string, options: { wait?: number } = {}): Promise<Job> {
    return this.json("GET", `/v1/jobs/${encodeURIComponent(id)}`, { query: { wait: options.wait } });
  }

  /** Long-polls until the job settles (released, held, rejected, failed, cancelled) or the timeout passes. */
  async waitForJob(id: string, options: { timeoutSeconds?: number } = {}): Promise<Job> {
    const deadline = Date.now() + (options.timeoutSeconds ?? 600) * 1000;
    for (;;) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      const job = await this.job(id, { wait: Math.max(0, Math.min(60, left)) });
      if (SETTLED.has(job.status) || left <= 0) return job;
    }
  }

  /** Jobs, newest first: the caller's own (operator) or all (bureau). */
  async jobs(filter: { status?: JobStatus; limit?: number } = {}): Promise<Job[]> {
    return (await this.json<{ jobs: Job[] }>("GET", "/v1/jobs", { query: filter })).jobs;
  }

  cancelJob(id: string): Promise<Job> {
    return this.json("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }

  /**
   * A released output: rows (JSON), CSV text, or Arrow IPC stream bytes.
   *
   * @example
   * const bytes = await aos.output(job.id, "by_station", "arrow"); // tableFromIPC(bytes)
   */
  output(id: string, name: string, format?: "json"): Promise<OutputRows>;
  output(id: string, name: string, format: "csv"): Promise<string>;
  output(id: string, name: string, format: "arrow"): Promise<Uint8Array>;
  output(id: string, name: string, format: OutputFormat): Promise<OutputRows | string | Uint8Array>;
  async output(
    id: string,
    name: string,
    format: OutputFormat = "json",
  ): Promise<OutputRows | string | Uint8Array> {
    const accept = { json: "application/json", csv: "text/csv", arrow: ARROW }[format];
    const res = await this.request(
      "GET",
      `/v1/jobs/${encodeURIComponent(id)}/outputs/${encodeURIComponent(name)}`,
      { headers: { accept } },
    );
    if (format === "csv") return res.text();
    if (format === "arrow") return new Uint8Array(await res.arrayBuffer());
    return (await res.json()) as OutputRows;
  }

  /**
   * A released output exactly as served (JSON is the canonical JSON a release receipt's hash covers),
   * for writing to a file that `aos receipt verify --output` can check.
   */
  async outputBytes(id: string, name: string, format: OutputFormat = "json"): Promise<Uint8Array> {
    const accept = { json: "application/json", csv: "text/csv", arrow: ARROW }[format];
    const res = await this.request(
      "GET",
      `/v1/jobs/${encodeURIComponent(id)}/outputs/${encodeURIComponent(name)}`,
      { headers: { accept } },
    );
    return new Uint8Array(await res.arrayBuffer());
  }

  /**
   * The job's server-sent events as they happen, ending after its final state. Pings are skipped.
   *
   * @example
   * for await (const event of aos.events(job.id)) if (event.type === "query") console.error(event.data);
   */
  async *events(
    id: string,
    options: { signal?: AbortSignal; lastEventId?: number } = {},
  ): AsyncGenerator<JobEvent> {
    const res = await this.request("GET", `/v1/jobs/${encodeURIComponent(id)}/events`, {
      headers: {
        accept: "text/event-stream",
        ...(options.lastEventId ? { "last-event-id": String(options.lastEventId) } : {}),
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (;;) {
        const end = buffer.search(/\r?\n\r?\n/);
        if (end < 0) break;
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
        const event = parseSseBlock(block);
        if (!event || (event.type as string) === "ping") continue;
        yield event;
      }
    }
  }

  // ── reviews ─────────────────────────────────────────────────────────────

  /** The review queue: held jobs, oldest first (bureau). */
  async reviews(): Promise<PendingReview[]> {
    return (await this.json<{ reviews: PendingReview[] }>("GET", "/v1/reviews")).reviews;
  }

  /** Approves or rejects a held job with a comment (bureau). */
  review(
    jobId: string,
    decision: { decision: "approve" | "reject"; comment: string },
  ): Promise<{ job: Job; reviews: ReviewRecord[] }> {
    return this.json("POST", `/v1/reviews/${encodeURIComponent(jobId)}`, { body: decision });
  }

  // ── audit ───────────────────────────────────────────────────────────────

  /** Audit entries matching the query, oldest first, one page (auditor, bureau); `next` pages on. */
  audit(query: AuditQuery = {}): Promise<{ entries: AuditEntry[]; next: number | null }> {
    return this.json("GET", "/v1/audit", { query: { ...query } });
  }

  /** The log (or a filtered part) as JSON lines, which verify offline when unfiltered, or CSV. */
  async auditExport(query: AuditQuery = {}, format: "jsonl" | "csv" = "jsonl"): Promise<string> {
    const res = await this.request("GET", "/v1/audit/export", { query: { ...query, format } });
    return res.text();
  }

  /** The server's own verification of the whole log. */
  auditVerify(): Promise<AuditVerification> {
    return this.json("GET", "/v1/audit/verify");
  }

  /** Has the domain sign a checkpoint of the log now (null when nothing was appended since the last). */
  async checkpoint(): Promise<Record<string, unknown> | null> {
    return (await this.json<{ checkpoint: Record<string, unknown> | null }>("POST", "/v1/audit/checkpoint"))
      .checkpoint;
  }

  /** The domain's public key (PEM) and fingerprint: receipts and checkpoints verify against it. */
  publicKey(): Promise<{ publicKey: string; fingerprint: string }> {
    return this.json("GET", "/v1/audit/public-key");
  }

  /** Metered use per period, operator, license and dataset, priced by tariff (an operator sees its own). */
  usage(query: UsageQuery = {}): Promise<UsageReport> {
    return this.json("GET", "/v1/usage", { query: { ...query } });
  }
}

/** One SSE block (`id:`, `event:`, `data:` lines) as an event, or undefined for comments. */
function parseSseBlock(block: string): JobEvent | undefined {
  let type: string | undefined;
  let id: number | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "id") id = Number(value);
    else if (field === "data") data.push(value);
  }
  if (!type) return undefined;
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(data.join("\n") || "{}") as Record<string, unknown>;
  } catch {
    parsed = { text: data.join("\n") };
  }
  return { ...(id === undefined ? {} : { id }), type: type as JobEvent["type"], data: parsed };
}
