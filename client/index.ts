import type {
  Alert,
  AlertDetail,
  AlertQuery,
  ApplicationRequest,
  ApplicationStatus,
  ApplicationView,
  AuditEntry,
  AuditQuery,
  AuditVerification,
  DatasetDetail,
  DatasetManifest,
  DatasetSummary,
  DataUploadFormat,
  DataVersion,
  DataVersionList,
  ErrorCode,
  Freeze,
  FreezeRequest,
  InboxPage,
  InboxQuery,
  Job,
  JobEvent,
  JobStatus,
  JobSubmission,
  License,
  LicenseAction,
  LicenseStatus,
  LicenseView,
  MonthlyUsage,
  Notification,
  OpenDataset,
  OpenRowsPage,
  OperatorAction,
  OperatorDoc,
  OperatorRegistration,
  OperatorStatus,
  OutputFormat,
  OutputRows,
  PendingReview,
  PolicyVersionDoc,
  ProblemDocument,
  Proposal,
  ProposalKind,
  ProposalRequest,
  ProposalStatus,
  Receipt,
  RegisteredLicense,
  ReviewRecord,
  Statement,
  StatementQuery,
  StatementRequest,
  StatementSummary,
  StatementVerification,
  Tariff,
  TariffVersion,
  UsageQuery,
  UsageReport,
  Webhook,
  WebhookDelivery,
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
    init: {
      query?: Query;
      body?: unknown;
      /** A body sent as it is (a file upload, streamed), with its media type. */
      raw?: { readonly data: NonNullable<RequestInit["body"]>; readonly type: string };
      headers?: Record<string, string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<Response> {
    const url = new URL(`${this.base}${path}`);
    for (const [name, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { ...init.headers };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.raw) headers["content-type"] = init.raw.type;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        // A stream is sent as it is read (Node's fetch needs half duplex for a streamed body).
        ...(init.raw ? { body: init.raw.data, duplex: "half" } : {}),
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

  /**
   * Publishes a manifest (bureau): a change that only tightens is the new version, in force now; a
   * loosening (or a registration) answers the proposal a second officer must approve (its `kind`).
   */
  async publishPolicy(
    name: string,
    manifest: DatasetManifest,
    note?: string,
  ): Promise<PolicyVersionDoc | Proposal> {
    return this.json("PUT", `/v1/datasets/${encodeURIComponent(name)}/policy`, {
      body: manifest,
      query: { note },
    });
  }

  /**
   * Supplies a new data version of a dataset (bureau, or the dataset's holder): `data` is the file,
   * Parquet or CSV with a header row, streamed as it is read. Answers the version, now current.
   */
  supplyDataVersion(
    name: string,
    data: NonNullable<RequestInit["body"]>,
    format: DataUploadFormat,
    note?: string,
  ): Promise<DataVersion> {
    const type = format === "parquet" ? "application/vnd.apache.parquet" : "text/csv";
    return this.json("POST", `/v1/datasets/${encodeURIComponent(name)}/versions`, {
      raw: { data, type },
      query: { note },
    });
  }

  /** Every data version of a dataset and which is current (bureau, auditors, the dataset's holders). */
  dataVersions(name: string): Promise<DataVersionList> {
    return this.json("GET", `/v1/datasets/${encodeURIComponent(name)}/versions`);
  }

  /** Makes an earlier data version of a dataset current again (bureau, or the dataset's holder). */
  restoreDataVersion(name: string, version: number, note?: string): Promise<DataVersion> {
    return this.json(
      "POST",
      `/v1/datasets/${encodeURIComponent(name)}/versions/${version}/restore`,
      note === undefined ? {} : { body: { note } },
    );
  }

  // ── public: open data and the registers (no key needed) ────────────────

  /** The grade-1 datasets anyone may read, with the columns served. */
  async openDatasets(): Promise<OpenDataset[]> {
    return (await this.json<{ datasets: OpenDataset[] }>("GET", "/v1/public/datasets")).datasets;
  }

  /**
   * One page of an open dataset's rows; pass `next` back as `cursor` for the following page.
   *
   * @example
   * for (let cursor; ; ) {
   *   const page = await aos.openRows("air_quality", { limit: 5000, cursor });
   *   if (!(cursor = page.next ?? undefined)) break;
   * }
   */
  openRows(dataset: string, page: { limit?: number; cursor?: string } = {}): Promise<OpenRowsPage> {
    return this.json("GET", `/v1/public/datasets/${encodeURIComponent(dataset)}/rows`, { query: page });
  }

  /** The same page as CSV (header row first), with the cursor of the next page. */
  async openRowsCsv(
    dataset: string,
    page: { limit?: number; cursor?: string } = {},
  ): Promise<{ csv: string; rows: number; next: string | null }> {
    const res = await this.request("GET", `/v1/public/datasets/${encodeURIComponent(dataset)}/rows`, {
      query: page,
      headers: { accept: "text/csv" },
    });
    return {
      csv: await res.text(),
      rows: Number(res.headers.get("x-row-count") ?? 0),
      next: res.headers.get("x-next-cursor"),
    };
  }

  /** The public register of granted licenses, newest first. */
  async licenseRegister(): Promise<RegisteredLicense[]> {
    return (await this.json<{ licenses: RegisteredLicense[] }>("GET", "/v1/public/licenses")).licenses;
  }

  /** A month's usage statistics per dataset (`YYYY-MM`). */
  publicUsage(month: string): Promise<MonthlyUsage> {
    return this.json("GET", "/v1/public/usage", { query: { month } });
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

  /** Creates a bureau officer's, auditor's or holder department member's account; its key is in the answer once. */
  createPrincipal(input: {
    role: "bureau" | "auditor" | "holder";
    name: string;
    organization: string;
  }): Promise<{
    principal: { id: string; role: string; name: string; organization: string; status: string };
    apiKey: { key: string; prefix: string };
  }> {
    return this.json("POST", "/v1/principals", { body: input });
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

  /** A released job's receipt (its operator, the bureau, auditors). */
  receipt(id: string): Promise<Receipt> {
    return this.json("GET", `/v1/jobs/${encodeURIComponent(id)}/receipt`);
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

  // ── dry run ─────────────────────────────────────────────────────────────

  /**
   * Dry-runs a script under a license (`POST /v1/jobs/explain`): it runs in a sandbox on dummy data
   * of the license's datasets and answers each query's verdict, rewritten SQL, rules and ε, and
   * whether the outputs would be released or held. No job is created and no budget is spent.
   */
  explainJob(submission: JobSubmission): Promise<import("./types.ts").DryRun> {
    return this.json("POST", "/v1/jobs/explain", { body: submission });
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

  // ── governance: the two-person rule and freezes ─────────────────────────

  /** The tariff in force and every version. */
  tariffs(): Promise<{ current: TariffVersion | null; versions: TariffVersion[] }> {
    return this.json("GET", "/v1/tariffs");
  }

  /** Sets a tariff (bureau): a raise is in force now; a cut answers the proposal a second officer approves. */
  setTariff(tariff: Tariff): Promise<TariffVersion | Proposal> {
    return this.json("PUT", "/v1/tariffs", { body: tariff });
  }

  /** Proposes a change for a second officer (bureau). */
  propose(request: ProposalRequest): Promise<Proposal> {
    return this.json("POST", "/v1/proposals", { body: request });
  }

  /** Proposals, newest first (bureau, auditors). */
  async proposals(filter: { status?: ProposalStatus; kind?: ProposalKind } = {}): Promise<Proposal[]> {
    return (await this.json<{ proposals: Proposal[] }>("GET", "/v1/proposals", { query: filter })).proposals;
  }

  proposal(id: string): Promise<Proposal> {
    return this.json("GET", `/v1/proposals/${encodeURIComponent(id)}`);
  }

  /** Approves or refuses a proposal (bureau; not its proposer for an approval; a refusal needs a reason). */
  decideProposal(id: string, decision: "approve" | "refuse", reason?: string): Promise<Proposal> {
    return this.json("POST", `/v1/proposals/${encodeURIComponent(id)}/decision`, {
      body: { decision, ...(reason === undefined ? {} : { reason }) },
    });
  }

  /** Withdraws one's own pending proposal (bureau). */
  withdrawProposal(id: string, reason?: string): Promise<Proposal> {
    return this.json("POST", `/v1/proposals/${encodeURIComponent(id)}/withdraw`, {
      body: reason === undefined ? {} : { reason },
    });
  }

  /** Freezes the domain, a dataset, an operator or a license at once (bureau). */
  freeze(
    request: FreezeRequest,
  ): Promise<{ freeze: Freeze; stopped: { cancelled: string[]; running: string[] } }> {
    return this.json("POST", "/v1/freezes", { body: request });
  }

  /** Freezes that concern the caller (all of them for the bureau and auditors). */
  async freezes(filter: { live?: boolean } = {}): Promise<Freeze[]> {
    const query = filter.live === undefined ? {} : { live: String(filter.live) };
    return (await this.json<{ freezes: Freeze[] }>("GET", "/v1/freezes", { query })).freezes;
  }

  /** Asks for a freeze to be lifted: answers the unfreeze proposal a second officer approves (bureau). */
  liftFreeze(id: string, reason: string, effectiveAt?: string): Promise<Proposal> {
    return this.json("POST", `/v1/freezes/${encodeURIComponent(id)}/lift`, {
      body: { reason, ...(effectiveAt === undefined ? {} : { effectiveAt }) },
    });
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

  // ── license applications ────────────────────────────────────────────────

  /** Applies for a license (operator). */
  apply(application: ApplicationRequest): Promise<ApplicationView> {
    return this.json("POST", "/v1/applications", { body: application });
  }

  /** Applications: an operator's own, those touching a holder's datasets, or all for the bureau and auditors. */
  async applications(
    filter: { status?: ApplicationStatus; dataset?: string; operator?: string } = {},
  ): Promise<ApplicationView[]> {
    return (
      await this.json<{ applications: ApplicationView[] }>("GET", "/v1/applications", { query: filter })
    ).applications;
  }

  /** One application with its decisions timeline. */
  application(id: string): Promise<ApplicationView> {
    return this.json("GET", `/v1/applications/${encodeURIComponent(id)}`);
  }

  /** Withdraws a pending application (operator). */
  withdrawApplication(id: string, reason?: string): Promise<ApplicationView> {
    return this.json("POST", `/v1/applications/${encodeURIComponent(id)}/withdraw`, {
      body: reason === undefined ? {} : { reason },
    });
  }

  /** Amends an application: a new one linked to the old (operator). */
  amendApplication(id: string, application: ApplicationRequest): Promise<ApplicationView> {
    return this.json("POST", `/v1/applications/${encodeURIComponent(id)}/amend`, { body: application });
  }

  /** Consents to, or refuses with a reason, one dataset of an application (holder). */
  consent(
    id: string,
    decision: { dataset: string; decision: "consent" | "refuse"; reason?: string },
  ): Promise<ApplicationView> {
    return this.json("POST", `/v1/applications/${encodeURIComponent(id)}/consent`, { body: decision });
  }

  /** Approves, or refuses with a reason, an application (bureau). */
  decideApplication(
    id: string,
    decision: { decision: "approve" | "refuse"; reason?: string },
  ): Promise<ApplicationView> {
    return this.json("POST", `/v1/applications/${encodeURIComponent(id)}/approval`, { body: decision });
  }

  // ── inbox, webhooks, alerts ─────────────────────────────────────────────

  /** The caller's notifications, newest first (`before` pages back, `after` catches up). */
  inbox(query: InboxQuery = {}): Promise<InboxPage> {
    return this.json("GET", "/v1/inbox", { query: { ...query, unread: query.unread ? "true" : undefined } });
  }

  /** Marks one of the caller's notifications read. */
  markRead(id: number): Promise<Notification> {
    return this.json("POST", `/v1/inbox/${id}/read`);
  }

  /** Marks the caller's unread notifications read: all, or those up to an id. */
  markAllRead(upTo?: number): Promise<{ marked: number }> {
    return this.json("POST", "/v1/inbox/read", { body: upTo === undefined ? {} : { upTo } });
  }

  /**
   * The caller's new notifications as they arrive (server-sent events), until `signal` aborts.
   *
   * @example
   * for await (const n of aos.inboxEvents()) console.log(n.kind, n.message);
   */
  async *inboxEvents(
    options: { signal?: AbortSignal; lastEventId?: number } = {},
  ): AsyncGenerator<Notification> {
    const res = await this.request("GET", "/v1/inbox/events", {
      headers: {
        accept: "text/event-stream",
        ...(options.lastEventId === undefined ? {} : { "last-event-id": String(options.lastEventId) }),
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
        if ((event?.type as string | undefined) === "notification")
          yield event!.data as unknown as Notification;
      }
    }
  }

  /** The caller's webhooks. */
  async webhooks(): Promise<Webhook[]> {
    return (await this.json<{ webhooks: Webhook[] }>("GET", "/v1/webhooks")).webhooks;
  }

  /** Registers a webhook; the signing secret is answered only now. */
  addWebhook(url: string, kinds?: readonly string[]): Promise<{ webhook: Webhook; secret: string }> {
    return this.json("POST", "/v1/webhooks", { body: kinds && kinds.length > 0 ? { url, kinds } : { url } });
  }

  /** Removes one of the caller's webhooks. */
  removeWebhook(id: string): Promise<Webhook> {
    return this.json("DELETE", `/v1/webhooks/${encodeURIComponent(id)}`);
  }

  /** The delivery log of one of the caller's webhooks, newest first. */
  async webhookDeliveries(id: string): Promise<WebhookDelivery[]> {
    return (
      await this.json<{ deliveries: WebhookDelivery[] }>(
        "GET",
        `/v1/webhooks/${encodeURIComponent(id)}/deliveries`,
      )
    ).deliveries;
  }

  /** Risk alerts, newest first (bureau, auditors). */
  async alerts(query: AlertQuery = {}): Promise<Alert[]> {
    return (await this.json<{ alerts: Alert[] }>("GET", "/v1/alerts", { query: { ...query } })).alerts;
  }

  /** One alert with the audit entries behind it (bureau, auditors). */
  alert(id: string): Promise<AlertDetail> {
    return this.json("GET", `/v1/alerts/${encodeURIComponent(id)}`);
  }

  /** Closes an open alert with its resolution (bureau). */
  closeAlert(id: string, resolution: string): Promise<Alert> {
    return this.json("POST", `/v1/alerts/${encodeURIComponent(id)}/close`, { body: { resolution } });
  }

  /** Metered use per period, operator, license and dataset, priced by tariff (an operator sees its own). */
  usage(query: UsageQuery = {}): Promise<UsageReport> {
    return this.json("GET", "/v1/usage", { query: { ...query } });
  }

  // ── operator credit and evaluation ─────────────────────────────────────

  /** An operator's credit record (bureau, auditors; an operator its own). */
  credit(operator: string): Promise<import("./types.ts").CreditRecord> {
    return this.json("GET", `/v1/operators/${encodeURIComponent(operator)}/credit`);
  }

  /** Records a violation with evidence (bureau). */
  recordViolation(
    operator: string,
    violation: import("./types.ts").ViolationRequest,
  ): Promise<import("./types.ts").Violation> {
    return this.json("POST", `/v1/operators/${encodeURIComponent(operator)}/violations`, { body: violation });
  }

  /** Objects to one of the caller's violations, once (operator). */
  objectToViolation(id: string, reason: string): Promise<import("./types.ts").Violation> {
    return this.json("POST", `/v1/violations/${encodeURIComponent(id)}/objection`, { body: { reason } });
  }

  /** Decides an objection (bureau, not the officer who recorded the violation). */
  decideObjection(
    id: string,
    decision: import("./types.ts").ObjectionDecision,
  ): Promise<import("./types.ts").Violation> {
    return this.json("POST", `/v1/violations/${encodeURIComponent(id)}/decision`, { body: decision });
  }

  /** An operator's evaluation for [from, to) (bureau, auditors; an operator its own). */
  evaluation(
    operator: string,
    period: { from: string; to: string },
  ): Promise<import("./types.ts").EvaluationReport> {
    return this.json("GET", `/v1/operators/${encodeURIComponent(operator)}/evaluation`, {
      query: { ...period },
    });
  }

  /** Exits an operator: revokes its keys and licenses and settles its open period (bureau). */
  exitOperator(operator: string, reason: string): Promise<import("./types.ts").ExitOutcome> {
    return this.json("POST", `/v1/operators/${encodeURIComponent(operator)}/exit`, { body: { reason } });
  }

  // ── settlement statements ──────────────────────────────────────────────

  /** Issues a party's signed statement for a month (bureau); the same month again answers the same statement. */
  issueStatement(request: StatementRequest): Promise<Statement> {
    return this.json("POST", "/v1/statements", { body: request });
  }

  /** Statements the caller may read, newest month first. */
  async statements(query: StatementQuery = {}): Promise<StatementSummary[]> {
    return (
      await this.json<{ statements: StatementSummary[] }>("GET", "/v1/statements", { query: { ...query } })
    ).statements;
  }

  /** One statement: the signed JSON document, its CSV lines, or a printable PDF. */
  statement(id: string, format?: "json"): Promise<Statement>;
  statement(id: string, format: "csv"): Promise<string>;
  statement(id: string, format: "pdf"): Promise<Uint8Array>;
  async statement(
    id: string,
    format: "json" | "csv" | "pdf" = "json",
  ): Promise<Statement | string | Uint8Array> {
    const accept = { json: "application/json", csv: "text/csv", pdf: "application/pdf" }[format];
    const res = await this.request("GET", `/v1/statements/${encodeURIComponent(id)}`, {
      headers: { accept },
    });
    if (format === "csv") return res.text();
    if (format === "pdf") return new Uint8Array(await res.arrayBuffer());
    return (await res.json()) as Statement;
  }

  /** The server's verification of an issued statement, recomputed from the jobs and tariffs. */
  verifyStatement(id: string): Promise<StatementVerification> {
    return this.json("POST", `/v1/statements/${encodeURIComponent(id)}/verify`);
  }

  // ── data quality and registries ────────────────────────────────────────

  /** Reports a quality issue on a dataset (operator licensed on it): never rows, an example query at most. */
  reportQualityIssue(
    dataset: string,
    report: import("./types.ts").QualityReport,
  ): Promise<import("./types.ts").QualityIssue> {
    return this.json("POST", `/v1/datasets/${encodeURIComponent(dataset)}/issues`, { body: report });
  }

  /** A dataset's quality issues the caller may read (an operator's own), newest first. */
  async qualityIssues(
    dataset: string,
    filter: { status?: import("./types.ts").QualityIssueStatus } = {},
  ): Promise<import("./types.ts").QualityIssue[]> {
    return (
      await this.json<{ issues: import("./types.ts").QualityIssue[] }>(
        "GET",
        `/v1/datasets/${encodeURIComponent(dataset)}/issues`,
        { query: { ...filter } },
      )
    ).issues;
  }

  /** One quality issue with its steps. */
  qualityIssue(id: string): Promise<import("./types.ts").QualityIssue> {
    return this.json("GET", `/v1/quality-issues/${encodeURIComponent(id)}`);
  }

  /** A step on a quality issue: the holder's answer or fix, the reporter's confirmation or reopening. */
  qualityStep(
    id: string,
    step: "answer" | "resolve" | "confirm" | "reopen",
    body: Record<string, unknown>,
  ): Promise<import("./types.ts").QualityIssue> {
    return this.json("POST", `/v1/quality-issues/${encodeURIComponent(id)}/${step}`, { body });
  }

  /** A dataset's completeness per column, freshness and issue counts. */
  qualitySummary(dataset: string): Promise<import("./types.ts").QualitySummary> {
    return this.json("GET", `/v1/datasets/${encodeURIComponent(dataset)}/quality`);
  }

  /** Registers a dataset as a data asset (bureau), or amends its registration when `amend` is set. */
  register(
    request: { dataset: string; rights?: import("./types.ts").AssetRight[]; note?: string },
    amend = false,
  ): Promise<import("./types.ts").Registration> {
    const { dataset, ...rest } = request;
    return amend
      ? this.json("POST", `/v1/registrations/${encodeURIComponent(dataset)}`, { body: rest })
      : this.json("POST", "/v1/registrations", { body: request });
  }

  /** The data-asset register: each registration as it stands. */
  async registrations(): Promise<import("./types.ts").RegistrationRevision[]> {
    return (
      await this.json<{ registrations: import("./types.ts").RegistrationRevision[] }>(
        "GET",
        "/v1/registrations",
      )
    ).registrations;
  }

  /** One dataset's registration with its history. */
  registration(dataset: string): Promise<import("./types.ts").Registration> {
    return this.json("GET", `/v1/registrations/${encodeURIComponent(dataset)}`);
  }

  /** Creates a data product from a released job (bureau). */
  createProduct(request: import("./types.ts").DataProductRequest): Promise<import("./types.ts").DataProduct> {
    return this.json("POST", "/v1/products", { body: request });
  }

  /** Data products the caller may see, newest first. */
  async products(): Promise<import("./types.ts").DataProduct[]> {
    return (await this.json<{ products: import("./types.ts").DataProduct[] }>("GET", "/v1/products"))
      .products;
  }

  /** Subscribes to a listed product (operator holding a license naming its datasets). */
  subscribe(id: string): Promise<import("./types.ts").ProductSubscription> {
    return this.json("POST", `/v1/products/${encodeURIComponent(id)}/subscribe`);
  }

  /** A product's released output for a subscriber, exactly as served (JSON, CSV or Arrow). */
  async productOutputBytes(id: string, name: string, format: OutputFormat = "json"): Promise<Uint8Array> {
    const accept = { json: "application/json", csv: "text/csv", arrow: ARROW }[format];
    const res = await this.request(
      "GET",
      `/v1/products/${encodeURIComponent(id)}/outputs/${encodeURIComponent(name)}`,
      { headers: { accept } },
    );
    return new Uint8Array(await res.arrayBuffer());
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
