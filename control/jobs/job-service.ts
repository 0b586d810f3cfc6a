import { createHash, randomUUID } from "node:crypto";
import type { DuckDBConnection } from "@duckdb/node-api";
import { outputSha256 } from "../../audit/output-digest.ts";
import type { ReceiptClaims } from "../../audit/receipt.ts";
import { DomainError, isDomainError } from "../../policies/errors.ts";
import type { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import { decideRelease } from "../../policies/release-gate.ts";
import { PLAN_NOTES } from "../../policies/rewrite.ts";
import type {
  SandboxEvent,
  SandboxJob,
  SandboxLimitsInput,
  SandboxPool,
  SandboxResult,
} from "../../sandbox/index.ts";
import type { ControlPlane } from "../../storage/control-plane.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import { inSpan, telemetry } from "../../telemetry/instruments.ts";
import type { AuditSink } from "../audit-sink.ts";
import { currentCatalog } from "../catalog.ts";
import type { Principal } from "../identity.ts";
import { assertLicenseUsable, findLicense } from "../licenses.ts";
import type { PrivacyBudgetLedger } from "../privacy-budget.ts";
import { createQueryService, type SqlConnection } from "../query-service.ts";
import { createIdentifierLookup } from "./identifier-lookup.ts";
import { type JobEvent, JobEventHub } from "./job-events.ts";
import { jobStore } from "./job-store.ts";
import {
  type GateDecision,
  type JobError,
  type JobProducts,
  type JobRecord,
  type JobStatus,
  JobSubmission,
  type JobUsage,
  type OutputTable,
  type Receipt,
  SETTLED_STATUSES,
} from "./model.ts";
import { createPolicyQueryPort, type JobQuery } from "./policy-port.ts";

export interface JobServiceOptions {
  /** Accepted jobs waiting to run; beyond it submissions answer QUEUE_FULL. */
  readonly queueCapacity: number;
  /** Jobs of one operator running at once, so one tenant cannot hold every worker. */
  readonly perOperatorConcurrency: number;
  /** Jobs running at once (the sandbox pool's size). */
  readonly concurrency: number;
  /** Longest `wait` a caller may ask for, seconds. */
  readonly maxWaitSeconds?: number;
}

export interface JobServiceDeps {
  readonly store: ControlPlane;
  readonly dataDomain: Pick<DataDomain, "connect" | "tableRowCounts">;
  readonly pool: Pick<SandboxPool, "run" | "cancel">;
  readonly ledger: PrivacyBudgetLedger;
  /** An empty DuckDB connection the policy engine parses and renders SQL with. */
  readonly parser: SqlConnection;
  readonly audit: AuditSink;
  /** Signs a release receipt with the domain key (see audit/receipt.ts). */
  readonly signReceipt: (claims: ReceiptClaims) => Receipt;
  /**
   * Ids of the jobs whose `job.started` entry the audit log holds, logged at or after `since`
   * (ISO time). The log, not the jobs table, says whether a job started: its entry is durable
   * before the script runs, while the table's `running` mark is written alongside the run.
   */
  readonly startedSince: (since: string) => Promise<ReadonlySet<string>>;
  /** Operator admission check (active, not suspended or revoked). */
  readonly assertOperatorActive: (operatorId: string) => Promise<void>;
  readonly now?: () => Date;
}

/** A job as its submitter (or the bureau) sees it. */
export interface JobView {
  readonly id: string;
  readonly status: JobStatus;
  readonly license: string;
  readonly purpose: string;
  readonly language: string;
  readonly scriptSha256: string;
  readonly submittedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly policyVersions: Record<string, number> | null;
  readonly decision: GateDecision | null;
  readonly outputs?: Record<string, OutputTable>;
  readonly logs?: readonly string[];
  readonly error?: JobError;
  readonly usage: JobUsage | null;
  /** For a released job: what the domain signed, so anyone can verify the outputs came from it. */
  readonly receipt?: Receipt;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The job lifecycle: accept (validate, check operator and license, queue durably), schedule
 * (bounded queue, per-operator concurrency), run (re-check the license, snapshot the policy,
 * sandbox + policy engine), gate (release, hold for review, reject), and settle — every step
 * written to the audit port before it takes effect.
 */
export class JobService {
  readonly events = new JobEventHub();
  private readonly queue: string[] = [];
  /** Operators of queued jobs, so the scheduler needs no database round trip to apply per-operator limits. */
  private readonly operatorOfQueued = new Map<string, string>();
  /**
   * Jobs started and not yet settled. A job holds one of the `concurrency` slots while it
   * `runs` (checks, sandbox, queries); once its sandbox returns it only `settles` (gate, audit,
   * store), which waits on disks, not on a worker, so the slot goes to the next job.
   */
  private readonly running = new Map<string, RunEntry>();
  private readonly settledWaiters = new Map<string, Set<() => void>>();
  /** `running` marks being written, by job (see `runJob`). */
  private readonly marking = new Map<string, Promise<void>>();
  /** Queue slots held by admissions still writing their job (see `submit`). */
  private reserved = 0;
  /** The last pending admission of each license (see `admissionTurn`). */
  private readonly admissions = new Map<string, Promise<void>>();
  private accepting = true;
  private readonly now: () => Date;

  constructor(
    private readonly deps: JobServiceDeps,
    private readonly options: JobServiceOptions,
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Picks up after a stop: jobs that were running end as failed (their sandbox died with the
   * process), jobs that were queued run. Call once before serving.
   */
  async recover(): Promise<{ requeued: number; failed: number }> {
    const marked = await jobStore.withStatus(this.deps.store, "running");
    const waiting = await jobStore.withStatus(this.deps.store, "queued");
    // A queued job whose start is in the log was running too: its `running` mark had not landed.
    const oldest = waiting.reduce<string | undefined>(
      (min, job) => (min === undefined || job.submittedAt < min ? job.submittedAt : min),
      undefined,
    );
    const started = oldest === undefined ? new Set<string>() : await this.deps.startedSince(oldest);
    const interrupted = [...marked, ...waiting.filter((job) => started.has(job.id))];
    const queued = waiting.filter((job) => !started.has(job.id));
    for (const job of interrupted) {
      const error: JobError = {
        code: "INTERNAL",
        class: "Interrupted",
        message: "the domain restarted while the job was running; submit it again",
      };
      await this.deps.audit.append({
        type: "job.finished",
        actor: "system",
        subject: { job: job.id, operator: job.operatorId, license: job.licenseId },
        data: { status: "failed", code: error.code, reason: "restart" },
      });
      await jobStore.settle(this.deps.store, job.id, { status: "failed", finishedAt: this.now(), error });
    }
    for (const job of queued) {
      this.queue.push(job.id);
      this.operatorOfQueued.set(job.id, job.operatorId);
    }
    this.pump();
    return { requeued: queued.length, failed: interrupted.length };
  }

  /** Accepts a job, or says why not. The job is durable (and audited) before this returns. */
  async submit(
    principal: Principal,
    body: unknown,
    idempotencyKey?: string,
  ): Promise<{ job: JobView; created: boolean }> {
    if (!this.accepting) throw new DomainError("NOT_READY", "the gateway is shutting down");
    const parsed = JobSubmission.safeParse(body);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(body)"))];
      throw new DomainError("BAD_REQUEST", `invalid job: ${fields.join(", ")}`);
    }
    const submission = parsed.data;
    const scriptSha256 = sha256(submission.script);

    if (idempotencyKey !== undefined) {
      const existing = await jobStore.byIdempotencyKey(this.deps.store, principal.id, idempotencyKey);
      if (existing) {
        const same =
          existing.scriptSha256 === scriptSha256 &&
          existing.licenseId === submission.license &&
          existing.language === submission.language &&
          (submission.purpose === undefined || submission.purpose === existing.purpose);
        if (!same) throw new DomainError("CONFLICT", "this Idempotency-Key was used for a different job");
        return { job: this.view(existing, principal), created: false };
      }
    }

    await this.deps.assertOperatorActive(principal.id);
    const record = assertLicenseUsable(await findLicense(this.deps.store, submission.license), {
      operatorId: principal.id,
      ...(submission.purpose === undefined ? {} : { purpose: submission.purpose }),
      now: this.now(),
    });
    const limits = limitsOf(record.license);
    if (Buffer.byteLength(submission.script, "utf8") > (limits.scriptBytes ?? 256 * 1024)) {
      throw new DomainError(
        "LIMIT_EXCEEDED",
        `the script is larger than ${limits.scriptBytes ?? 256 * 1024} bytes`,
      );
    }
    // One admission per license at a time when it has a daily quota: concurrent submissions each
    // passed the quota check before any of them was inserted, so a burst ran past the quota.
    // Without one, nothing is counted, and submissions go on together (their audit entries and
    // inserts then share syncs and commits).
    const perDay = record.license.quotas.jobsPerDay;
    const admitted = perDay === undefined ? () => undefined : await this.admissionTurn(record.license.id);
    try {
      if (perDay !== undefined) {
        const today = new Date(this.now().toISOString().slice(0, 10));
        if ((await jobStore.countSince(this.deps.store, record.license.id, today)) >= perDay) {
          throw new DomainError("QUOTA_EXCEEDED", `license ${record.license.id} allows ${perDay} jobs a day`);
        }
      }
      // The slot is reserved before the first await, so concurrent admissions of different
      // licenses cannot together pass the bound.
      if (this.queue.length + this.reserved >= this.options.queueCapacity) {
        throw new DomainError("QUEUE_FULL", "the job queue is full; retry later", { retryAfterSeconds: 5 });
      }
      this.reserved++;
      let reservation = true;
      const release = () => {
        if (reservation) this.reserved--;
        reservation = false;
      };
      try {
        const job = {
          id: `job_${randomUUID()}`,
          operatorId: principal.id,
          licenseId: record.license.id,
          purpose: record.license.purpose,
          language: submission.language,
          script: submission.script,
          scriptSha256,
          idempotencyKey: idempotencyKey ?? null,
          status: "queued" as const,
          submittedAt: this.now().toISOString(),
        };
        // Audit first: nothing is accepted that the log does not show.
        await this.deps.audit.append({
          type: "job.submitted",
          actor: principal.id,
          subject: {
            job: job.id,
            operator: principal.id,
            license: job.licenseId,
            datasets: record.license.datasets.map((d) => d.name),
          },
          data: {
            scriptSha256,
            language: job.language,
            purpose: job.purpose,
            scriptBytes: job.script.length,
          },
        });
        let stored: JobRecord;
        try {
          stored = await jobStore.insert(this.deps.store, job);
        } catch (error) {
          // Two submissions with one Idempotency-Key raced: the other one won.
          if (idempotencyKey !== undefined) {
            const winner = await jobStore.byIdempotencyKey(this.deps.store, principal.id, idempotencyKey);
            if (winner) return { job: this.view(winner, principal), created: false };
          }
          throw error;
        }
        release();
        this.queue.push(job.id);
        this.operatorOfQueued.set(job.id, principal.id);
        this.events.publish(job.id, "queued", { position: this.queue.length });
        this.pump();
        return { job: this.view(stored, principal), created: true };
      } finally {
        release();
      }
    } finally {
      admitted();
    }
  }

  /** Waits for this license's previous admission to finish; call the returned function when done. */
  private async admissionTurn(licenseId: string): Promise<() => void> {
    const previous = this.admissions.get(licenseId) ?? Promise.resolve();
    let done!: () => void;
    const turn = new Promise<void>((resolve) => {
      done = resolve;
    });
    const tail = previous.then(() => turn);
    this.admissions.set(licenseId, tail);
    await previous;
    return () => {
      done();
      if (this.admissions.get(licenseId) === tail) this.admissions.delete(licenseId);
    };
  }

  /** The job if `principal` may see it; another operator's job is NOT_FOUND, never FORBIDDEN. */
  async get(principal: Principal, id: string): Promise<JobView> {
    return this.view(await this.visible(principal, id), principal);
  }

  /** Waits up to `seconds` for the job to settle (released, held, rejected, failed, cancelled). */
  async wait(principal: Principal, id: string, seconds: number): Promise<JobView> {
    const job = await this.visible(principal, id);
    const limit = Math.min(Math.max(seconds, 0), this.options.maxWaitSeconds ?? 60);
    if (!SETTLED_STATUSES.has(job.status) && limit > 0) {
      await new Promise<void>((resolve) => {
        const waiters = this.settledWaiters.get(id) ?? new Set();
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, limit * 1000);
        waiters.add(done);
        this.settledWaiters.set(id, waiters);
      });
    }
    return this.get(principal, id);
  }

  async list(principal: Principal, filter: { status?: JobStatus; limit?: number } = {}): Promise<JobView[]> {
    const jobs = await jobStore.list(this.deps.store, {
      ...(principal.role === "operator" ? { operatorId: principal.id } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      limit: Math.min(filter.limit ?? 100, 1000),
    });
    return jobs.map((job) => this.view(job, principal, { summary: true }));
  }

  /** Cancels a queued job at once; a running one is cancelled when its sandbox run returns. */
  async cancel(principal: Principal, id: string): Promise<JobView> {
    const job = await this.visible(principal, id);
    if (SETTLED_STATUSES.has(job.status)) {
      throw new DomainError("CONFLICT", `job ${id} is already ${job.status}`);
    }
    const index = this.queue.indexOf(id);
    if (index >= 0) {
      this.queue.splice(index, 1);
      await this.finish(job, {
        status: "cancelled",
        reason: "cancelled by its submitter",
        actor: principal.id,
      });
    } else {
      const run = this.running.get(id);
      if (run) {
        run.cancelled = true;
        this.deps.pool.cancel(id);
      }
    }
    return this.get(principal, id);
  }

  /** A released output's rows; anything else answers NOT_FOUND (never whether it exists). */
  async output(principal: Principal, id: string, name: string): Promise<OutputTable> {
    const job = await this.visible(principal, id);
    const table = job.products?.outputs[name];
    const releasable = job.status === "released" || (principal.role === "bureau" && job.status === "held");
    if (!releasable || !table) throw new DomainError("NOT_FOUND", `job ${id} has no released output ${name}`);
    await this.deps.audit.append({
      type: "output.downloaded",
      actor: principal.id,
      subject: { job: id, operator: job.operatorId, license: job.licenseId },
      data: { output: name, rows: table.length, status: job.status },
    });
    return table;
  }

  /** Events of a job the principal may see (past ones first), until the returned function is called. */
  async subscribe(principal: Principal, id: string, listener: (event: JobEvent) => void, afterSeq = 0) {
    const job = await this.visible(principal, id);
    const unsubscribe = this.events.subscribe(id, listener, afterSeq);
    return { job: this.view(job, principal, { summary: true }), unsubscribe };
  }

  /** Settles a held job after review (the review verbs decide who may and when enough have). */
  async settleReviewed(job: JobRecord, approved: boolean, actor: string): Promise<void> {
    // A held job that failed has nothing to release: approval shows the operator its error.
    const failure = job.products?.error;
    const status: JobStatus = approved ? (failure ? "failed" : "released") : "rejected";
    const receipt =
      status === "released" ? await this.release(job, job.products?.outputs ?? {}, actor, "review") : null;
    await jobStore.settle(this.deps.store, job.id, {
      status,
      finishedAt: this.now(),
      receipt,
      ...(status === "failed" && failure ? { error: failure } : {}),
    });
    this.events.publish(job.id, "finished", { status });
    this.notifySettled(job.id);
  }

  /** Stops accepting jobs and waits for the running ones; queued jobs stay queued for the next start. */
  async drain(): Promise<void> {
    this.accepting = false;
    this.queue.splice(0);
    await Promise.allSettled([...this.running.values()].map((run) => run.done));
  }

  /** Row counts of the domain's tables; the domain is read-only, so they are read once. */
  private tableRowsCache: Promise<Map<string, number>> | undefined;
  private tableRows(): Promise<Map<string, number>> {
    this.tableRowsCache ??= this.deps.dataDomain.tableRowCounts();
    return this.tableRowsCache;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Queue depth and pool use, for metrics and readiness. */
  stats(): { queued: number; running: number; slots: number } {
    return { queued: this.queue.length, running: this.running.size, slots: this.options.concurrency };
  }

  private inSlots(): RunEntry[] {
    return [...this.running.values()].filter((run) => run.phase === "runs");
  }

  private async visible(principal: Principal, id: string): Promise<JobRecord> {
    const job = await jobStore.get(this.deps.store, id);
    if (!job || (principal.role === "operator" && job.operatorId !== principal.id)) {
      throw new DomainError("NOT_FOUND", `no job ${id}`);
    }
    return job;
  }

  private view(job: JobRecord, principal: Principal, options: { summary?: boolean } = {}): JobView {
    const reviewer = principal.role === "bureau";
    const showOutputs =
      !options.summary && (job.status === "released" || (reviewer && job.status === "held"));
    const error = reviewer && job.products?.error ? job.products.error : (job.error ?? undefined);
    return {
      id: job.id,
      status: job.status,
      license: job.licenseId,
      purpose: job.purpose,
      language: job.language,
      scriptSha256: job.scriptSha256,
      submittedAt: job.submittedAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      policyVersions: job.policyVersions,
      decision: job.decision,
      ...(showOutputs && job.products ? { outputs: job.products.outputs, logs: job.products.logs } : {}),
      ...(error ? { error } : {}),
      // A tainted script decides every figure it is metered on (rows in, loops, queries): before
      // release its usage is data, so only a reviewer sees it.
      usage: job.decision?.tainted && !reviewer && job.status !== "released" ? null : job.usage,
      ...(job.status === "released" && job.receipt ? { receipt: job.receipt } : {}),
    };
  }

  /** Starts queued jobs while there are free slots, skipping operators at their concurrency limit. */
  private pump(): void {
    while (this.accepting && this.inSlots().length < this.options.concurrency) {
      const perOperator = new Map<string, number>();
      for (const run of this.inSlots()) {
        perOperator.set(run.operatorId, (perOperator.get(run.operatorId) ?? 0) + 1);
      }
      const next = this.queue.findIndex((id) => {
        const operator = this.operatorOfQueued.get(id);
        return (
          operator === undefined || (perOperator.get(operator) ?? 0) < this.options.perOperatorConcurrency
        );
      });
      if (next < 0) return;
      const [id] = this.queue.splice(next, 1);
      this.start(id!);
    }
  }

  private start(id: string): void {
    const entry: RunEntry = {
      operatorId: this.operatorOfQueued.get(id) ?? "",
      cancelled: false,
      phase: "runs",
      done: Promise.resolve(),
    };
    this.running.set(id, entry);
    entry.done = this.run(id, entry)
      .catch(async (error: unknown) => {
        // A failure of the machinery, not of the script: the job fails with no detail shown.
        const job = await jobStore.get(this.deps.store, id).catch(() => null);
        if (job && !SETTLED_STATUSES.has(job.status)) {
          await this.finish(job, {
            status: "failed",
            reason: "internal error",
            actor: "system",
            error: {
              code: isDomainError(error) ? error.code : "INTERNAL",
              class: "InternalError",
              message: isDomainError(error) ? error.detail : "internal error",
            },
          }).catch(() => {});
        }
      })
      .finally(() => {
        this.running.delete(id);
        this.operatorOfQueued.delete(id);
        this.pump();
      });
  }

  private run(id: string, entry: RunEntry): Promise<void> {
    return inSpan("job.run", { "job.id": id }, () => this.runJob(id, entry));
  }

  private async runJob(id: string, entry: RunEntry): Promise<void> {
    const job = await jobStore.get(this.deps.store, id);
    if (job?.status !== "queued") return;
    entry.operatorId = job.operatorId;

    // The license and operator are checked again: either may have changed while the job waited.
    let license: License;
    try {
      await this.deps.assertOperatorActive(job.operatorId);
      license = assertLicenseUsable(await findLicense(this.deps.store, job.licenseId), {
        operatorId: job.operatorId,
        now: this.now(),
      }).license;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await this.finish(job, {
        status: "failed",
        reason: "license or operator no longer valid",
        actor: "system",
        error: { code: error.code, class: "LicenseError", message: error.detail },
      });
      return;
    }

    // The policy in force now applies to the whole run: later changes never reach a running job.
    const catalog = await currentCatalog(this.deps.store);
    const licensed = new Set(license.datasets.map((d) => d.name));
    const manifests: DatasetManifest[] = catalog
      .filter((e) => licensed.has(e.manifest.name))
      .map((e) => e.manifest);
    const policyVersions = Object.fromEntries(
      catalog.filter((e) => licensed.has(e.manifest.name)).map((e) => [e.manifest.name, e.version]),
    );
    const startedAt = this.now();
    // The start is on disk before the script runs (recovery reads it from the log); the table's
    // `running` mark is written alongside the run and lands before the job settles.
    await this.deps.audit.append({
      type: "job.started",
      actor: "system",
      subject: { job: id, operator: job.operatorId, license: job.licenseId, datasets: [...licensed] },
      data: { policyVersions },
    });
    const marking = jobStore.markRunning(this.deps.store, id, startedAt, policyVersions);
    this.marking.set(id, marking);
    marking.catch(() => undefined);
    this.events.publish(id, "running", { policyVersions });

    const queries: JobQuery[] = [];
    let tainted = false;
    const connection = await this.deps.dataDomain.connect();
    let result: SandboxResult;
    let inFlight: Promise<unknown> | undefined;
    try {
      const service = createQueryService({
        domain: connection,
        parser: this.deps.parser,
        ledger: this.deps.ledger,
      });
      const port = createPolicyQueryPort({
        service,
        license,
        manifests,
        startedAt,
        onQuery: (query) => {
          queries.push(query);
          tainted ||= query.verdict?.tainted === true;
          this.events.publish(id, "query", queryEvent(query, tainted));
        },
      });
      const guarded = {
        execute: async (request: Parameters<typeof port.execute>[0]) => {
          if (entry.cancelled) throw new DomainError("TIMEOUT", "the job was cancelled");
          const answer = port.execute(request);
          inFlight = answer;
          return answer;
        },
      };
      const sandboxJob: SandboxJob = {
        jobId: id,
        script: job.script,
        language: job.language,
        limits: limitsOf(license),
      };
      result = await this.deps.pool.run(sandboxJob, guarded, (event: SandboxEvent) => {
        // Progress figures come from the script: once it has read row-level data they could carry
        // it, so a tainted job's progress is not streamed.
        if (event.type === "progress" && !tainted) {
          this.events.publish(id, "progress", {
            fraction: event.fraction,
            ...(event.message ? { message: event.message } : {}),
          });
        }
      });
    } finally {
      // A query still running when the run ended (time limit, cancel, crash) is stopped: closing
      // its connection alone leaves DuckDB computing it forever, on the threads every job shares.
      connection.interrupt();
      await inFlight?.catch(() => undefined);
      connection.closeSync();
      entry.phase = "settles";
      this.pump();
    }
    // Appended together, in order: the ledger makes them durable in one write and one sync.
    await Promise.all(
      queries.map((query) =>
        this.deps.audit.append({
          type: "query.checked",
          actor: job.operatorId,
          subject: {
            job: id,
            operator: job.operatorId,
            license: job.licenseId,
            datasets: query.verdict?.datasets ?? [],
          },
          data: {
            index: query.index,
            sql: query.sql,
            verdict: query.verdict ?? null,
            error: query.error ?? null,
          },
        }),
      ),
    );
    const usage = usageOf(result, queries, manifests, await this.tableRows());
    if (entry.cancelled) {
      await this.finish(job, {
        status: "cancelled",
        reason: "cancelled while running",
        actor: job.operatorId,
        usage,
      });
      return;
    }
    for (const [dataset, epsilon] of Object.entries(usage.epsilon)) telemetry.epsilonSpent(dataset, epsilon);
    await inSpan("release.gate", { "job.id": id, tainted }, () =>
      this.gate(job, license, manifests, result, queries, tainted, usage),
    );
  }

  private async gate(
    job: JobRecord,
    license: License,
    manifests: readonly DatasetManifest[],
    result: SandboxResult,
    queries: readonly JobQuery[],
    tainted: boolean,
    usage: JobUsage,
  ): Promise<void> {
    const verdicts = queries.flatMap((q) => (q.verdict ? [q.verdict] : []));
    const reviewsRequired = verdicts.some((v) => v.requiresReview) ? 2 : 1;
    // Most outputs hold no string the catalog does not publish: the connection is opened on demand.
    let lookupConnection: Promise<DuckDBConnection> | undefined;
    try {
      const lookup = createIdentifierLookup(
        {
          runAndReadAll: async (sql, values) => {
            lookupConnection ??= this.deps.dataDomain.connect();
            return (await lookupConnection).runAndReadAll(sql, values);
          },
        },
        manifests,
      );
      const logs = result.logs.map((entry) => entry.message);
      if (result.status === "failed") {
        const failure = result.error;
        const full: JobError = {
          code: failure.code,
          class: failure.class,
          message: failure.message,
          ...(failure.line === undefined ? {} : { line: failure.line }),
          ...(failure.column === undefined ? {} : { column: failure.column }),
        };
        // The message is an output too: shown only when the job read nothing row-level and the
        // gate finds nothing identifying in it (or in the logs that go with it).
        const gate = await decideRelease(
          { outputs: {}, logs, errors: [failure.message] },
          verdicts,
          { releaseMode: "auto" },
          lookup,
        );
        const shown = !tainted && gate.outcome === "released";
        if (tainted) {
          // Whether a row-reading job failed, and how, is itself chosen by a script that saw rows:
          // such a job is held like a successful one, and a reviewer decides what its failure shows.
          await this.finish(job, {
            status: "held",
            reason: "tainted job failed",
            actor: "system",
            products: { outputs: {}, logs, error: full },
            usage,
            decision: {
              outcome: "held",
              reasons: [{ code: "tainted", detail: "the job read row-level data: its result is reviewed" }],
              tainted,
              reviewsRequired,
            },
          });
          return;
        }
        await this.finish(job, {
          status: "failed",
          reason: failure.code,
          actor: "system",
          // The class is the thrown value's `name`, which a script can set to anything it read.
          error: shown ? full : { ...full, class: builtInClass(full.class), message: null },
          products: { outputs: {}, logs: shown ? logs : [], error: full },
          usage,
          decision: { outcome: gate.outcome, reasons: [...gate.reasons], tainted, reviewsRequired: 0 },
        });
        return;
      }
      const decision = await decideRelease(
        { outputs: result.outputs, logs },
        verdicts,
        {
          releaseMode: license.releaseMode,
          ...(license.quotas.outputCells ? { maxCells: license.quotas.outputCells } : {}),
        },
        lookup,
      );
      const gate: GateDecision = {
        outcome: decision.outcome,
        reasons: decision.reasons.map((r) => ({ ...r })),
        tainted,
        reviewsRequired: decision.outcome === "held" ? reviewsRequired : 0,
      };
      const outputs = (decision.outcome === "rejected" ? {} : decision.outputs) as Record<
        string,
        OutputTable
      >;
      await this.finish(job, {
        status: decision.outcome,
        reason: decision.outcome,
        actor: "system",
        decision: gate,
        products: { outputs: normaliseOutputs(outputs), logs },
        usage,
      });
    } finally {
      await lookupConnection?.then(
        (connection) => connection.closeSync(),
        () => undefined,
      );
    }
  }

  /** Writes the end of a run: audit first (fail-closed), then the job row, then events. */
  private async finish(
    job: JobRecord,
    outcome: {
      status: JobStatus;
      reason: string;
      actor: string;
      error?: JobError;
      products?: JobProducts;
      usage?: JobUsage;
      decision?: GateDecision;
    },
  ): Promise<void> {
    const subject = { job: job.id, operator: job.operatorId, license: job.licenseId };
    // The gate decision, the release and the end are appended in this order without waiting for
    // each other (the ledger makes them durable together), and the job settles only once all
    // three are on disk: nothing is served before its entries are.
    const gated = outcome.decision
      ? this.deps.audit.append({
          type: "job.gate",
          actor: "system",
          subject,
          data: {
            outcome: outcome.decision.outcome,
            reasons: outcome.decision.reasons,
            tainted: outcome.decision.tainted,
          },
        })
      : undefined;
    const released =
      outcome.status === "released"
        ? this.release(job, outcome.products?.outputs ?? {}, "system", "gate")
        : Promise.resolve(null);
    const finished = this.deps.audit.append({
      type: "job.finished",
      actor: outcome.actor,
      subject,
      data: { status: outcome.status, reason: outcome.reason, usage: outcome.usage ?? null },
    });
    const [, receipt] = await Promise.all([gated, released, finished, this.markedRunning(job.id)]);
    await jobStore.settle(this.deps.store, job.id, {
      status: outcome.status,
      finishedAt: this.now(),
      decision: outcome.decision ?? null,
      products: outcome.products ?? null,
      error: outcome.error ?? null,
      usage: outcome.usage ?? null,
      receipt,
    });
    if (outcome.decision) {
      this.events.publish(job.id, "gate", {
        outcome: outcome.decision.outcome,
        reasons: outcome.decision.reasons,
      });
    }
    const started = job.startedAt ? Date.parse(job.startedAt) : undefined;
    telemetry.jobFinished(outcome.status, started === undefined ? undefined : this.now().getTime() - started);
    this.events.publish(job.id, "finished", {
      status: outcome.status,
      ...(outcome.error ? { code: outcome.error.code } : {}),
    });
    this.notifySettled(job.id);
  }

  /**
   * Records a release in the audit log (durably, before anything is served) and signs a receipt
   * naming the log position, the policy versions and each output's hash.
   */
  private async release(
    job: JobRecord,
    outputs: Record<string, OutputTable>,
    actor: string,
    via: "gate" | "review",
  ): Promise<Receipt | null> {
    const hashes = Object.entries(outputs).map(([name, rows]) => ({ name, sha256: outputSha256(rows) }));
    const releasedAt = this.now().toISOString();
    // Appended before this function first awaits: `finish` relies on the entry preceding job.finished.
    const { position } = await this.deps.audit.append({
      type: "output.released",
      actor,
      subject: { job: job.id, operator: job.operatorId, license: job.licenseId },
      data: { outputs: hashes, via, releasedAt },
    });
    if (hashes.length === 0) return null;
    const policyVersions =
      job.policyVersions ?? (await jobStore.get(this.deps.store, job.id))?.policyVersions ?? {};
    return this.deps.signReceipt({
      job: job.id,
      operator: job.operatorId,
      license: job.licenseId,
      purpose: job.purpose,
      policyVersions,
      outputs: hashes,
      releasedAt,
      logPosition: position,
    });
  }

  /** Waits for the job's `running` mark (if it has one in flight), so it cannot land after the end. */
  private async markedRunning(id: string): Promise<void> {
    const marking = this.marking.get(id);
    if (!marking) return;
    try {
      await marking;
    } finally {
      this.marking.delete(id);
    }
  }

  private notifySettled(id: string): void {
    for (const done of this.settledWaiters.get(id) ?? []) done();
    this.settledWaiters.delete(id);
  }
}

interface RunEntry {
  operatorId: string;
  cancelled: boolean;
  phase: "runs" | "settles";
  done: Promise<void>;
}

/** What a query event tells the operator: the verdict's names and counts; nothing row-level once tainted. */
export function queryEvent(query: JobQuery, tainted: boolean): Record<string, unknown> {
  if (query.error)
    return { index: query.index, ok: false, code: query.error.code, detail: query.error.detail };
  const v = query.verdict!;
  return {
    index: query.index,
    ok: true,
    kind: v.kind,
    datasets: v.datasets,
    rewrites: v.rewrites.filter((r) => !PLAN_NOTES.has(r)),
    epsilonCharged: v.epsilonCharged,
    cached: v.cached,
    ...(v.suppressionDisclosable ? { suppressedGroups: v.suppressedGroups } : {}),
    ...(tainted ? {} : { rows: v.rowsReturned }),
  };
}

/** Error classes a withheld error may show: the sandbox's own and JavaScript's built-in ones. */
const BUILT_IN_CLASSES = new Set([
  "Error",
  "TypeError",
  "RangeError",
  "ReferenceError",
  "SyntaxError",
  "EvalError",
  "URIError",
  "AggregateError",
  "NonError",
  "UnreadableError",
  "QueryError",
  "OutputError",
  "ScriptError",
  "Timeout",
  "MemoryLimit",
  "LimitExceeded",
  "SandboxCrash",
  "Cancelled",
]);

function builtInClass(name: string): string {
  return BUILT_IN_CLASSES.has(name) ? name : "Error";
}

/** Sandbox limits a license sets through its quotas; everything else keeps the safe defaults. */
export function limitsOf(license: License): SandboxLimitsInput {
  return {
    ...(license.quotas.queriesPerJob ? { maxQueries: license.quotas.queriesPerJob } : {}),
    ...(license.quotas.outputCells ? { maxOutputCells: license.quotas.outputCells } : {}),
  };
}

function usageOf(
  result: SandboxResult,
  queries: readonly JobQuery[],
  manifests: readonly DatasetManifest[],
  tableRows: ReadonlyMap<string, number>,
): JobUsage {
  const dp = new Set(manifests.filter((m) => m.grade >= 3).map((m) => m.name));
  const epsilon: Record<string, number> = {};
  for (const query of queries) {
    const verdict = query.verdict;
    if (!verdict || verdict.epsilonCharged <= 0) continue;
    // A join charges each differentially private dataset it reads the query's ε.
    for (const dataset of verdict.datasets) {
      if (dp.has(dataset)) epsilon[dataset] = (epsilon[dataset] ?? 0) + verdict.epsilonCharged;
    }
  }
  const datasets = [...new Set(queries.flatMap((q) => q.verdict?.datasets ?? []))].sort();
  const rowsScanned = queries.reduce(
    (sum, q) => sum + (q.verdict?.datasets ?? []).reduce((n, d) => n + (tableRows.get(d) ?? 0), 0),
    0,
  );
  const u = result.usage;
  return {
    cpuMs: u.cpuMs,
    wallMs: u.wallMs,
    heapPeakBytes: u.heapPeakBytes,
    queries: queries.length,
    rowsIn: u.rowsIn,
    bytesIn: u.bytesIn,
    outputRows: u.outputRows,
    outputCells: u.outputCells,
    rowsScanned,
    datasets,
    epsilon,
  };
}

/** Outputs as tables: one flat row becomes a one-row table, a scalar a one-cell table named `value`. */
export function normaliseOutputs(outputs: Record<string, unknown>): Record<string, OutputTable> {
  const tables: Record<string, OutputTable> = {};
  for (const [name, value] of Object.entries(outputs)) {
    if (Array.isArray(value)) tables[name] = value as OutputTable;
    else if (value !== null && typeof value === "object") tables[name] = [value as OutputTable[number]];
    else tables[name] = [{ value: value as OutputTable[number][string] }];
  }
  return tables;
}
