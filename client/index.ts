import type {
  Alert,
  AlertDetail,
  AlertQuery,
  AnswerOf,
  ApplicationRequest,
  ApplicationStatus,
  ApplicationView,
  AuditEntry,
  AuditQuery,
  AuditVerification,
  BodyOf,
  BoundsDraft,
  DatasetDetail,
  DatasetManifest,
  DatasetSummary,
  DataUploadFormat,
  DataVersion,
  DataVersionList,
  DummyDraft,
  ErrorCode,
  Freeze,
  FreezeRequest,
  HttpMethod,
  InboxPage,
  InboxQuery,
  Job,
  JobEvent,
  JobStatus,
  JobSubmission,
  LicenseAction,
  LicenseGrant,
  LicenseStatus,
  LicenseView,
  MonthlyUsage,
  Notification,
  OpenDataset,
  OpenRowsPage,
  OperationAt,
  OperatorAction,
  OperatorDoc,
  OperatorRegistration,
  OperatorStatus,
  OutputFormat,
  OutputRows,
  PathParamsOf,
  PathsWith,
  PendingReview,
  PolicyVersionDoc,
  ProblemDocument,
  Proposal,
  ProposalKind,
  ProposalRequest,
  ProposalStatus,
  QueryOf,
  Receipt,
  RegisteredLicense,
  RegistrationAmendment,
  RegistrationRequest,
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
  WebhookKind,
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
    /** Seconds to wait before trying again, when the answer said (`Retry-After` on 429 and 503). */
    readonly retryAfter?: number,
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

/** What a request to an operation takes besides its method and path template. */
export interface RequestInitOf<O> {
  readonly query?: QueryOf<O>;
  /** The JSON body the operation takes. */
  readonly body?: BodyOf<O>;
  /** A body sent as it is (a file upload, streamed), with its media type. */
  readonly raw?: { readonly data: NonNullable<RequestInit["body"]>; readonly type: string };
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

/** The request's options: required, with `params`, when the path template has parameters. */
export type RequestArgs<O> = [PathParamsOf<O>] extends [never]
  ? [init?: RequestInitOf<O>]
  : [init: RequestInitOf<O> & { readonly params: PathParamsOf<O> }];

/** List paths whose answer carries the next page's cursor. */
type PagedPath = {
  [P in PathsWith<"get">]: AnswerOf<OperationAt<P, "get">> extends { next: string | null } ? P : never;
}[PathsWith<"get">];

/** An item of the `K` array of a page. */
type PageItem<A, K extends string> = A extends Record<K, readonly (infer I)[]> ? I : never;

/** The steps of a quality issue after it is reported. */
type QualityStep = "answer" | "resolve" | "confirm" | "reopen";

/** A request's options once its types were checked. */
interface UntypedInit extends Omit<RequestInitOf<unknown>, "query" | "body"> {
  readonly params?: Record<string, unknown>;
  readonly query?: Record<string, unknown>;
  readonly body?: unknown;
}

/** The path template with each `{name}` replaced by its parameter, encoded. */
function fillPath(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === "")
      throw new TypeError(`${template}: the path parameter ${name} is missing`);
    return encodeURIComponent(String(value));
  });
}

/** The `ApiError` of an error answer: its problem document, or the status alone when there is none. */
async function apiErrorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  let problem: Partial<ProblemDocument> = {};
  try {
    problem = JSON.parse(text) as ProblemDocument;
  } catch {
    // A proxy or a crashed server may answer without a problem document: keep the status.
  }
  const retryAfter = Number(res.headers.get("retry-after") ?? Number.NaN);
  return new ApiError(
    problem.code ?? (res.status >= 500 ? "INTERNAL" : "BAD_REQUEST"),
    res.status,
    problem.detail ?? (res.statusText || "request failed"),
    problem.requestId ?? res.headers.get("x-request-id") ?? "",
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
  );
}

/** Paging of every list: at most `limit` items (1–500, default 50) after `cursor` (a page's `next`). */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

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

  /**
   * Sends one request to an operation of the contract and answers the raw response when it is a
   * success; errors become `ApiError`. The path is the contract's template (`/v1/jobs/{id}`), its
   * parameters in `params`, and the query and JSON body are typed by the generated `paths`.
   *
   * @example
   * const res = await aos.request("get", "/v1/jobs/{id}/outputs/{name}", {
   *   params: { id: "job_…", name: "by_district" },
   *   headers: { accept: "text/csv" },
   * });
   */
  async request<M extends HttpMethod, P extends PathsWith<M>>(
    method: M,
    path: P,
    ...[init]: RequestArgs<OperationAt<P, M>>
  ): Promise<Response> {
    return this.send(method, path, (init ?? {}) as UntypedInit);
  }

  /**
   * The one place requests are made. Untyped: `request` and `json` type every call by the contract,
   * and the paged and per-step helpers below check theirs at their own signatures.
   */
  private async send(method: HttpMethod, path: string, init: UntypedInit): Promise<Response> {
    const url = new URL(`${this.base}${fillPath(path, init.params ?? {})}`);
    for (const [name, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { ...init.headers };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.raw) headers["content-type"] = init.raw.type;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: method.toUpperCase(),
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
    throw await apiErrorOf(res);
  }

  /** Sends one request and answers the success answer's JSON body, typed by the contract. */
  private async json<M extends HttpMethod, P extends PathsWith<M>>(
    method: M,
    path: P,
    ...args: RequestArgs<OperationAt<P, M>>
  ): Promise<AnswerOf<OperationAt<P, M>>> {
    const res = await this.request(method, path, ...args);
    return (await res.json()) as AnswerOf<OperationAt<P, M>>;
  }

  /** Who the key belongs to: the principal's id, role, name, organization and status. */
  whoami(): Promise<import("./types.ts").Caller> {
    return this.json("get", "/v1/whoami");
  }

  // ── catalog ─────────────────────────────────────────────────────────────

  /** The catalog: every dataset with its grade and holder. */
  async datasets(): Promise<DatasetSummary[]> {
    return (await this.json("get", "/v1/datasets")).datasets;
  }

  /** One dataset's manifest (schema, column rules, bounds) and policy version. */
  dataset(name: string): Promise<DatasetDetail> {
    return this.json("get", "/v1/datasets/{name}", { params: { name } });
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
    const res = await this.request("get", "/v1/datasets/{name}/dummy", {
      params: { name },
      query: { rows: options.rows, seed: options.seed },
      headers: { accept: options.format === "csv" ? "text/csv" : "application/json" },
    });
    return options.format === "csv" ? res.text() : ((await res.json()) as OutputRows);
  }

  /**
   * Publishes a manifest (bureau): a change that only tightens is the new version, in force now; a
   * loosening (or a registration) answers the proposal a second officer must approve (its `kind`).
   */
  /**
   * The bureau's draft of a dataset's dummy-data shapes, from its data: the latest policy
   * version's manifest with a `dummy` section per column, to publish as the next version.
   *
   * @example
   * const draft = await aos.dummyDraft("population");
   * await aos.publishPolicy("population", draft.manifest, "dummy shapes from the data");
   */
  dummyDraft(name: string): Promise<DummyDraft> {
    return this.json("get", "/v1/datasets/{name}/dummy/draft", { params: { name } });
  }

  /**
   * The bureau's draft of a dataset's upper clamp bounds, from its data with differential privacy
   * (`epsilon` per column, recorded in the audit log): the latest policy version's manifest with
   * each bound drafted, to publish as the next version.
   *
   * @example
   * const draft = await aos.boundsDraft("population", { epsilon: 0.1 });
   * await aos.publishPolicy("population", draft.manifest, "bounds calibrated from the data");
   */
  boundsDraft(
    name: string,
    options: { epsilon?: number; maxClampedShare?: number } = {},
  ): Promise<BoundsDraft> {
    return this.json("get", "/v1/datasets/{name}/bounds/draft", { params: { name }, query: options });
  }

  async publishPolicy(
    name: string,
    manifest: DatasetManifest,
    note?: string,
  ): Promise<PolicyVersionDoc | Proposal> {
    return this.json("put", "/v1/datasets/{name}/policy", {
      params: { name },
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
    return this.json("post", "/v1/datasets/{name}/versions", {
      params: { name },
      raw: { data, type },
      query: { note },
    });
  }

  /** Every data version of a dataset (every page) and which is current (bureau, auditors, the dataset's holders). */
  async dataVersions(name: string): Promise<DataVersionList> {
    let all: DataVersionList | undefined;
    for await (const page of this.pages("/v1/datasets/{name}/versions", { limit: 500 }, { name }))
      all = all ? { ...all, versions: [...all.versions, ...page.versions] } : { ...page, next: null };
    return all!;
  }

  /** Makes an earlier data version of a dataset current again (bureau, or the dataset's holder). */
  restoreDataVersion(name: string, version: number, note?: string): Promise<DataVersion> {
    return this.json("post", "/v1/datasets/{name}/versions/{version}/restore", {
      params: { name, version },
      ...(note === undefined ? {} : { body: { note } }),
    });
  }

  // ── public: open data and the registers (no key needed) ────────────────

  /** The grade-1 datasets anyone may read, with the columns served. */
  async openDatasets(): Promise<OpenDataset[]> {
    return (await this.json("get", "/v1/public/datasets")).datasets;
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
    return this.json("get", "/v1/public/datasets/{name}/rows", { params: { name: dataset }, query: page });
  }

  /** The same page as CSV (header row first), with the cursor of the next page. */
  async openRowsCsv(
    dataset: string,
    page: { limit?: number; cursor?: string } = {},
  ): Promise<{ csv: string; rows: number; next: string | null }> {
    const res = await this.request("get", "/v1/public/datasets/{name}/rows", {
      params: { name: dataset },
      query: page,
      headers: { accept: "text/csv" },
    });
    return {
      csv: await res.text(),
      rows: Number(res.headers.get("x-row-count") ?? 0),
      next: res.headers.get("x-next-cursor"),
    };
  }

  /** The public register of granted licenses, newest first (every page). */
  async licenseRegister(): Promise<RegisteredLicense[]> {
    return collect(this.each("/v1/public/licenses", "licenses", { limit: 500 }));
  }

  /** A month's usage statistics per dataset (`YYYY-MM`). */
  publicUsage(month: string): Promise<MonthlyUsage> {
    return this.json("get", "/v1/public/usage", { query: { month } });
  }

  // ── licenses and operators ─────────────────────────────────────────────

  /** Licenses with their budget left: an operator's own, or all (filterable) for the bureau and auditors. */
  async licenses(filter: { operator?: string; status?: LicenseStatus } = {}): Promise<LicenseView[]> {
    return collect(this.each("/v1/licenses", "licenses", { ...filter, limit: 500 }));
  }

  license(id: string): Promise<LicenseView> {
    return this.json("get", "/v1/licenses/{id}", { params: { id } });
  }

  /** Grants a license (bureau). */
  grantLicense(license: LicenseGrant | Record<string, unknown>): Promise<LicenseView> {
    // A license read from a file goes as it is: the gateway checks it and names what is wrong.
    return this.json("post", "/v1/licenses", { body: license as LicenseGrant });
  }

  /** Amends a license under the same id (bureau). */
  amendLicense(id: string, license: LicenseGrant | Record<string, unknown>): Promise<LicenseView> {
    return this.json("put", "/v1/licenses/{id}", { params: { id }, body: license as LicenseGrant });
  }

  /** Suspends, reinstates, revokes or expires a license with a reason (bureau). */
  changeLicense(id: string, action: LicenseAction, reason: string): Promise<LicenseView> {
    return this.json("post", "/v1/licenses/{id}/{action}", { params: { id, action }, body: { reason } });
  }

  /** Every operator, oldest first, read page by page. */
  async operators(filter: { status?: OperatorStatus } = {}): Promise<OperatorDoc[]> {
    return collect(this.each("/v1/operators", "operators", { ...filter, limit: 500 }));
  }

  operator(id: string): Promise<OperatorDoc> {
    return this.json("get", "/v1/operators/{id}", { params: { id } });
  }

  /** Admits an operator (bureau); the answer carries its first API key, shown once. */
  admitOperator(
    registration: OperatorRegistration,
  ): Promise<{ operator: OperatorDoc; apiKey: { key: string; prefix: string } }> {
    return this.json("post", "/v1/operators", { body: registration });
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
    return this.json("post", "/v1/principals", { body: input });
  }

  /** The caller's own keys by prefix, with the client certificate each is bound to (if any). */
  keys(): Promise<import("./types.ts").ApiKey[]> {
    return collect(this.each("/v1/keys", "keys", { limit: 500 }));
  }

  /** Issues another key for a principal (bureau), optionally bound to a client certificate (PEM); shown once. */
  issueKey(
    principal: string,
    options: { clientCertificate?: string } = {},
  ): Promise<{ key: string; prefix: string; clientKeySha256: string | null }> {
    return this.json("post", "/v1/principals/{id}/keys", {
      params: { id: principal },
      body: options.clientCertificate
        ? { clientCertificate: { certificate: options.clientCertificate } }
        : {},
    });
  }

  /** Binds a key to a client certificate (PEM): it is then accepted only where that certificate is presented. */
  bindKey(prefix: string, certificate: string): Promise<import("./types.ts").ApiKey> {
    return this.json("put", "/v1/keys/{prefix}/binding", { params: { prefix }, body: { certificate } });
  }

  /** Removes a key's client-certificate binding (bureau). */
  unbindKey(prefix: string): Promise<import("./types.ts").ApiKey> {
    return this.json("delete", "/v1/keys/{prefix}/binding", { params: { prefix } });
  }

  changeOperator(id: string, action: OperatorAction, reason: string): Promise<OperatorDoc> {
    return this.json("post", "/v1/operators/{id}/{action}", { params: { id, action }, body: { reason } });
  }

  // ── jobs ────────────────────────────────────────────────────────────────

  /**
   * Submits a script. With an `idempotencyKey`, a retry of the same submission answers the job the
   * first attempt created instead of a second one.
   */
  submitJob(submission: JobSubmission, options: { idempotencyKey?: string } = {}): Promise<Job> {
    return this.json("post", "/v1/jobs", {
      body: submission,
      ...(options.idempotencyKey ? { headers: { "idempotency-key": options.idempotencyKey } } : {}),
    });
  }

  /** A job; with `wait`, the server holds the answer up to that many seconds (max 60) for it to settle. */
  job(id: string, options: { wait?: number } = {}): Promise<Job> {
    return this.json("get", "/v1/jobs/{id}", { params: { id }, query: { wait: options.wait } });
  }

  /** A released job's receipt (its operator, the bureau, auditors). */
  receipt(id: string): Promise<Receipt> {
    return this.json("get", "/v1/jobs/{id}/receipt", { params: { id } });
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

  /** Jobs, newest first: the caller's own (operator) or all (bureau); the first page. */
  async jobs(filter: { status?: JobStatus; limit?: number } = {}): Promise<Job[]> {
    return (await this.jobsPage(filter)).jobs;
  }

  /** One page of jobs; pass its `next` as `cursor` for the following page. */
  jobsPage(filter: { status?: JobStatus } & PageQuery = {}): Promise<{ jobs: Job[]; next: string | null }> {
    return this.json("get", "/v1/jobs", { query: { ...filter } });
  }

  /**
   * Every job, page by page as it is read.
   *
   * @example
   * for await (const job of client.eachJob({ status: "released" })) console.log(job.id);
   */
  eachJob(filter: { status?: JobStatus; limit?: number } = {}): AsyncGenerator<Job> {
    return this.each("/v1/jobs", "jobs", filter);
  }

  /** Items of a paged list (the answer's `name` array), following `next` until the last page. */
  private async *each<P extends PagedPath, K extends string>(
    path: P,
    name: K,
    query: QueryOf<OperationAt<P, "get">>,
    params?: PathParamsOf<OperationAt<P, "get">>,
  ): AsyncGenerator<PageItem<AnswerOf<OperationAt<P, "get">>, K>> {
    for await (const page of this.pages(path, query, params))
      yield* (page as Record<string, unknown>)[name] as PageItem<AnswerOf<OperationAt<P, "get">>, K>[];
  }

  /** The pages of a paged list, following `next` until the last. */
  private async *pages<P extends PagedPath>(
    path: P,
    query: QueryOf<OperationAt<P, "get">>,
    params?: PathParamsOf<OperationAt<P, "get">>,
  ): AsyncGenerator<AnswerOf<OperationAt<P, "get">>> {
    let cursor: string | undefined;
    do {
      const res = await this.send("get", path, {
        query: { ...query, cursor },
        ...(params === undefined ? {} : { params: params as Record<string, unknown> }),
      });
      const page = (await res.json()) as AnswerOf<OperationAt<P, "get">>;
      yield page;
      cursor = (page as { next?: string | null }).next ?? undefined;
    } while (cursor !== undefined);
  }

  cancelJob(id: string): Promise<Job> {
    return this.json("post", "/v1/jobs/{id}/cancel", { params: { id } });
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
    const res = await this.request("get", "/v1/jobs/{id}/outputs/{name}", {
      params: { id, name },
      headers: { accept },
    });
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
    const res = await this.request("get", "/v1/jobs/{id}/outputs/{name}", {
      params: { id, name },
      headers: { accept },
    });
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
    const res = await this.request("get", "/v1/jobs/{id}/events", {
      params: { id },
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
    return this.json("post", "/v1/jobs/explain", { body: submission });
  }

  // ── reviews ─────────────────────────────────────────────────────────────

  /** The review queue: held jobs, oldest first (bureau), read page by page. */
  async reviews(): Promise<PendingReview[]> {
    return collect(this.each("/v1/reviews", "reviews", { limit: 500 }));
  }

  /** Approves or rejects a held job with a comment (bureau). */
  review(
    jobId: string,
    decision: { decision: "approve" | "reject"; comment: string },
  ): Promise<{ job: Job; reviews: ReviewRecord[] }> {
    return this.json("post", "/v1/reviews/{jobId}", { params: { jobId }, body: decision });
  }

  // ── governance: the two-person rule and freezes ─────────────────────────

  /** The tariff in force and every version (every page), newest first. */
  async tariffs(): Promise<{ current: TariffVersion | null; versions: TariffVersion[] }> {
    let current: TariffVersion | null = null;
    const versions: TariffVersion[] = [];
    for await (const page of this.pages("/v1/tariffs", { limit: 500 })) {
      current = page.current;
      versions.push(...page.versions);
    }
    return { current, versions };
  }

  /** Sets a tariff (bureau): a raise is in force now; a cut answers the proposal a second officer approves. */
  setTariff(tariff: Tariff): Promise<TariffVersion | Proposal> {
    return this.json("put", "/v1/tariffs", { body: tariff });
  }

  /** Proposes a change for a second officer (bureau). */
  propose(request: ProposalRequest): Promise<Proposal> {
    return this.json("post", "/v1/proposals", { body: request });
  }

  /** Proposals, newest first (bureau, auditors). */
  async proposals(filter: { status?: ProposalStatus; kind?: ProposalKind } = {}): Promise<Proposal[]> {
    return collect(this.each("/v1/proposals", "proposals", { ...filter, limit: 500 }));
  }

  proposal(id: string): Promise<Proposal> {
    return this.json("get", "/v1/proposals/{id}", { params: { id } });
  }

  /** Approves or refuses a proposal (bureau; not its proposer for an approval; a refusal needs a reason). */
  decideProposal(id: string, decision: "approve" | "refuse", reason?: string): Promise<Proposal> {
    return this.json("post", "/v1/proposals/{id}/decision", {
      params: { id },
      body: { decision, ...(reason === undefined ? {} : { reason }) },
    });
  }

  /** Withdraws one's own pending proposal (bureau). */
  withdrawProposal(id: string, reason?: string): Promise<Proposal> {
    return this.json("post", "/v1/proposals/{id}/withdraw", {
      params: { id },
      body: reason === undefined ? {} : { reason },
    });
  }

  /** Freezes the domain, a dataset, an operator or a license at once (bureau). */
  freeze(
    request: FreezeRequest,
  ): Promise<{ freeze: Freeze; stopped: { cancelled: string[]; running: string[] } }> {
    return this.json("post", "/v1/freezes", { body: request });
  }

  /** Freezes that concern the caller (all of them for the bureau and auditors). */
  async freezes(filter: { live?: boolean } = {}): Promise<Freeze[]> {
    const query =
      filter.live === undefined ? {} : { live: filter.live ? ("true" as const) : ("false" as const) };
    return collect(this.each("/v1/freezes", "freezes", { ...query, limit: 500 }));
  }

  /** Asks for a freeze to be lifted: answers the unfreeze proposal a second officer approves (bureau). */
  liftFreeze(id: string, reason: string, effectiveAt?: string): Promise<Proposal> {
    return this.json("post", "/v1/freezes/{id}/lift", {
      params: { id },
      body: { reason, ...(effectiveAt === undefined ? {} : { effectiveAt }) },
    });
  }

  // ── audit ───────────────────────────────────────────────────────────────

  /** Audit entries matching the query, oldest first, one page (auditor, bureau); `next` pages on. */
  audit(query: AuditQuery = {}): Promise<{ entries: AuditEntry[]; next: number | null }> {
    return this.json("get", "/v1/audit", { query: { ...query } });
  }

  /** The log (or a filtered part) as JSON lines, which verify offline when unfiltered, or CSV. */
  async auditExport(query: AuditQuery = {}, format: "jsonl" | "csv" = "jsonl"): Promise<string> {
    const res = await this.request("get", "/v1/audit/export", { query: { ...query, format } });
    return res.text();
  }

  /** The server's own verification of the whole log. */
  auditVerify(): Promise<AuditVerification> {
    return this.json("get", "/v1/audit/verify");
  }

  /** Has the domain sign a checkpoint of the log now (null when nothing was appended since the last). */
  async checkpoint(): Promise<Record<string, unknown> | null> {
    return (await this.json("post", "/v1/audit/checkpoint")).checkpoint;
  }

  /** The domain's public key (PEM) and fingerprint: receipts and checkpoints verify against it. */
  publicKey(): Promise<{ publicKey: string; fingerprint: string }> {
    return this.json("get", "/v1/audit/public-key");
  }

  // ── license applications ────────────────────────────────────────────────

  /** Applies for a license (operator). */
  apply(application: ApplicationRequest): Promise<ApplicationView> {
    return this.json("post", "/v1/applications", { body: application });
  }

  /** Applications: an operator's own, those touching a holder's datasets, or all for the bureau and auditors. */
  async applications(
    filter: { status?: ApplicationStatus; dataset?: string; operator?: string } = {},
  ): Promise<ApplicationView[]> {
    return collect(this.each("/v1/applications", "applications", { ...filter, limit: 500 }));
  }

  /** One application with its decisions timeline. */
  application(id: string): Promise<ApplicationView> {
    return this.json("get", "/v1/applications/{id}", { params: { id } });
  }

  /** Withdraws a pending application (operator). */
  withdrawApplication(id: string, reason?: string): Promise<ApplicationView> {
    return this.json("post", "/v1/applications/{id}/withdraw", {
      params: { id },
      body: reason === undefined ? {} : { reason },
    });
  }

  /** Amends an application: a new one linked to the old (operator). */
  amendApplication(id: string, application: ApplicationRequest): Promise<ApplicationView> {
    return this.json("post", "/v1/applications/{id}/amend", { params: { id }, body: application });
  }

  /** Consents to, or refuses with a reason, one dataset of an application (holder). */
  consent(
    id: string,
    decision: { dataset: string; decision: "consent" | "refuse"; reason?: string },
  ): Promise<ApplicationView> {
    return this.json("post", "/v1/applications/{id}/consent", { params: { id }, body: decision });
  }

  /** Approves, or refuses with a reason, an application (bureau). */
  decideApplication(
    id: string,
    decision: { decision: "approve" | "refuse"; reason?: string },
  ): Promise<ApplicationView> {
    return this.json("post", "/v1/applications/{id}/approval", { params: { id }, body: decision });
  }

  // ── inbox, webhooks, alerts ─────────────────────────────────────────────

  /** One page of the caller's notifications, newest first (`cursor` with a page's `next` pages back, `after` catches up). */
  inbox(query: Omit<InboxQuery, "unread"> & { unread?: boolean } = {}): Promise<InboxPage> {
    return this.json("get", "/v1/inbox", { query: { ...query, unread: query.unread ? "true" : undefined } });
  }

  /**
   * Every one of the caller's notifications, newest first, page after page.
   *
   * @example
   * for await (const n of aos.eachNotification({ unread: true })) console.log(n.message);
   */
  eachNotification(filter: { unread?: boolean; limit?: number } = {}): AsyncGenerator<Notification> {
    return this.each("/v1/inbox", "notifications", {
      limit: filter.limit ?? 500,
      unread: filter.unread ? "true" : undefined,
    });
  }

  /** Marks one of the caller's notifications read. */
  markRead(id: number): Promise<Notification> {
    return this.json("post", "/v1/inbox/{id}/read", { params: { id } });
  }

  /** Marks the caller's unread notifications read: all, or those up to an id. */
  markAllRead(upTo?: number): Promise<{ marked: number }> {
    return this.json("post", "/v1/inbox/read", { body: upTo === undefined ? {} : { upTo } });
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
    const res = await this.request("get", "/v1/inbox/events", {
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

  /** The caller's webhooks, read page by page. */
  async webhooks(): Promise<Webhook[]> {
    return collect(this.each("/v1/webhooks", "webhooks", { limit: 500 }));
  }

  /** Registers a webhook; the signing secret is answered only now. */
  addWebhook(url: string, kinds?: readonly WebhookKind[]): Promise<{ webhook: Webhook; secret: string }> {
    return this.json("post", "/v1/webhooks", {
      body: kinds && kinds.length > 0 ? { url, kinds: [...kinds] } : { url },
    });
  }

  /** Removes one of the caller's webhooks. */
  removeWebhook(id: string): Promise<Webhook> {
    return this.json("delete", "/v1/webhooks/{id}", { params: { id } });
  }

  /** The delivery log of one of the caller's webhooks, newest first: one page (`next` reads on). */
  webhookDeliveries(
    id: string,
    query: PageQuery = {},
  ): Promise<{ deliveries: WebhookDelivery[]; next: string | null }> {
    return this.json("get", "/v1/webhooks/{id}/deliveries", { params: { id }, query: { ...query } });
  }

  /** Risk alerts, newest first (bureau, auditors), read page by page. */
  async alerts(query: AlertQuery = {}): Promise<Alert[]> {
    return collect(this.each("/v1/alerts", "alerts", { limit: 500, ...query }));
  }

  /** One alert with the audit entries behind it (bureau, auditors). */
  alert(id: string): Promise<AlertDetail> {
    return this.json("get", "/v1/alerts/{id}", { params: { id } });
  }

  /** Closes an open alert with its resolution (bureau). */
  closeAlert(id: string, resolution: string): Promise<Alert> {
    return this.json("post", "/v1/alerts/{id}/close", { params: { id }, body: { resolution } });
  }

  /** Metered use per period, operator, license and dataset, priced by tariff (an operator sees its own). */
  usage(query: UsageQuery = {}): Promise<UsageReport> {
    return this.json("get", "/v1/usage", { query: { ...query } });
  }

  // ── operator credit and evaluation ─────────────────────────────────────

  /** An operator's credit record (bureau, auditors; an operator its own). */
  credit(operator: string): Promise<import("./types.ts").CreditRecord> {
    return this.json("get", "/v1/operators/{id}/credit", { params: { id: operator } });
  }

  /** Records a violation with evidence (bureau). */
  recordViolation(
    operator: string,
    violation: import("./types.ts").ViolationRequest,
  ): Promise<import("./types.ts").Violation> {
    return this.json("post", "/v1/operators/{id}/violations", { params: { id: operator }, body: violation });
  }

  /** Objects to one of the caller's violations, once (operator). */
  objectToViolation(id: string, reason: string): Promise<import("./types.ts").Violation> {
    return this.json("post", "/v1/violations/{id}/objection", { params: { id }, body: { reason } });
  }

  /** Decides an objection (bureau, not the officer who recorded the violation). */
  decideObjection(
    id: string,
    decision: import("./types.ts").ObjectionDecision,
  ): Promise<import("./types.ts").Violation> {
    return this.json("post", "/v1/violations/{id}/decision", { params: { id }, body: decision });
  }

  /** An operator's evaluation for [from, to) (bureau, auditors; an operator its own). */
  evaluation(
    operator: string,
    period: { from: string; to: string },
  ): Promise<import("./types.ts").EvaluationReport> {
    return this.json("get", "/v1/operators/{id}/evaluation", {
      params: { id: operator },
      query: { ...period },
    });
  }

  /** Exits an operator: revokes its keys and licenses and settles its open period (bureau). */
  exitOperator(operator: string, reason: string): Promise<import("./types.ts").ExitOutcome> {
    return this.json("post", "/v1/operators/{id}/exit", { params: { id: operator }, body: { reason } });
  }

  // ── settlement statements ──────────────────────────────────────────────

  /** Issues a party's signed statement for a month (bureau); the same month again answers the same statement. */
  issueStatement(request: StatementRequest): Promise<Statement> {
    return this.json("post", "/v1/statements", { body: request });
  }

  /** Statements the caller may read, newest month first, read page by page. */
  async statements(query: StatementQuery = {}): Promise<StatementSummary[]> {
    return collect(this.each("/v1/statements", "statements", { limit: 500, ...query }));
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
    const res = await this.request("get", "/v1/statements/{id}", { params: { id }, headers: { accept } });
    if (format === "csv") return res.text();
    if (format === "pdf") return new Uint8Array(await res.arrayBuffer());
    return (await res.json()) as Statement;
  }

  /** The server's verification of an issued statement, recomputed from the jobs and tariffs. */
  verifyStatement(id: string): Promise<StatementVerification> {
    return this.json("post", "/v1/statements/{id}/verify", { params: { id } });
  }

  // ── data quality and registries ────────────────────────────────────────

  /** Reports a quality issue on a dataset (operator licensed on it): never rows, an example query at most. */
  reportQualityIssue(
    dataset: string,
    report: import("./types.ts").QualityReport,
  ): Promise<import("./types.ts").QualityIssue> {
    return this.json("post", "/v1/datasets/{name}/issues", { params: { name: dataset }, body: report });
  }

  /** A dataset's quality issues the caller may read (an operator's own), newest first. */
  async qualityIssues(
    dataset: string,
    filter: { status?: import("./types.ts").QualityIssueStatus } = {},
  ): Promise<import("./types.ts").QualityIssue[]> {
    return collect(
      this.each("/v1/datasets/{name}/issues", "issues", { ...filter, limit: 500 }, { name: dataset }),
    );
  }

  /** One quality issue with its steps. */
  qualityIssue(id: string): Promise<import("./types.ts").QualityIssue> {
    return this.json("get", "/v1/quality-issues/{id}", { params: { id } });
  }

  /** A step on a quality issue: the holder's answer or fix, the reporter's confirmation or reopening. */
  qualityStep<S extends QualityStep>(
    id: string,
    step: S,
    body: BodyOf<OperationAt<`/v1/quality-issues/{id}/${S}`, "post">>,
  ): Promise<import("./types.ts").QualityIssue> {
    return this.send("post", `/v1/quality-issues/{id}/${step}`, { params: { id }, body }).then(
      (res) => res.json() as Promise<import("./types.ts").QualityIssue>,
    );
  }

  /** A dataset's completeness per column, freshness and issue counts. */
  qualitySummary(dataset: string): Promise<import("./types.ts").QualitySummary> {
    return this.json("get", "/v1/datasets/{name}/quality", { params: { name: dataset } });
  }

  /** Registers a dataset as a data asset (bureau), or amends its registration (with a note saying why). */
  register(request: RegistrationRequest): Promise<import("./types.ts").Registration>;
  register(request: RegistrationAmendment, amend: true): Promise<import("./types.ts").Registration>;
  register(
    request: RegistrationRequest | RegistrationAmendment,
    amend = false,
  ): Promise<import("./types.ts").Registration> {
    if (!amend) return this.json("post", "/v1/registrations", { body: request as RegistrationRequest });
    const { dataset, ...amendment } = request as RegistrationAmendment;
    return this.json("post", "/v1/registrations/{dataset}", { params: { dataset }, body: amendment });
  }

  /** The data-asset register: each registration as it stands. */
  async registrations(): Promise<import("./types.ts").RegistrationRevision[]> {
    return collect(this.each("/v1/registrations", "registrations", { limit: 500 }));
  }

  /** One dataset's registration with its history. */
  registration(dataset: string): Promise<import("./types.ts").Registration> {
    return this.json("get", "/v1/registrations/{dataset}", { params: { dataset } });
  }

  /** Creates a data product from a released job (bureau). */
  createProduct(request: import("./types.ts").DataProductRequest): Promise<import("./types.ts").DataProduct> {
    return this.json("post", "/v1/products", { body: request });
  }

  /** Data products the caller may see, newest first. */
  async products(): Promise<import("./types.ts").DataProduct[]> {
    return collect(this.each("/v1/products", "products", { limit: 500 }));
  }

  /** Subscribes to a listed product (operator holding a license naming its datasets). */
  subscribe(id: string): Promise<import("./types.ts").ProductSubscription> {
    return this.json("post", "/v1/products/{id}/subscribe", { params: { id } });
  }

  /** A product's released output for a subscriber, exactly as served (JSON, CSV or Arrow). */
  async productOutputBytes(id: string, name: string, format: OutputFormat = "json"): Promise<Uint8Array> {
    const accept = { json: "application/json", csv: "text/csv", arrow: ARROW }[format];
    const res = await this.request("get", "/v1/products/{id}/outputs/{name}", {
      params: { id, name },
      headers: { accept },
    });
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

/** Every item of an async iterable, in order (Node 20 has no Array.fromAsync). */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
