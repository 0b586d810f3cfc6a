import type { CryptoProfile } from "../../audit/crypto-profile.ts";
import type { ReceiptClaims } from "../../audit/receipt.ts";
import { DomainError } from "../../policies/errors.ts";
import type { SandboxPool } from "../../sandbox/index.ts";
import type { DataDomain } from "../../storage/data-domain.ts";
import type { SqlExecutor, SqlStore } from "../../storage/sql-store.ts";
import { log } from "../../telemetry/log.ts";
import type { AuditSink } from "../audit-sink.ts";
import type { Principal } from "../identity.ts";
import { mapPage, type Page, type PageRequest } from "../paging.ts";
import type { PrivacyBudgetLedger } from "../privacy-budget.ts";
import type { SqlConnection } from "../query-service.ts";
import { admitJob } from "./admission.ts";
import { type JobEvent, JobEventHub } from "./job-events.ts";
import { jobRepository } from "./job-repository.ts";
import { JobRunner } from "./job-runner.ts";
import {
  type GateDecision,
  type JobError,
  type JobRecord,
  type JobStatus,
  type JobUsage,
  type OutputAccuracy,
  type OutputColumnTypes,
  type OutputTable,
  type Receipt,
  SETTLED_STATUSES,
} from "./model.ts";
import { finishJob, finishJobIn, JobMovedOn, type Settlement } from "./release.ts";

export interface JobServiceOptions {
  /** Accepted jobs waiting to run, domain-wide; beyond it submissions answer QUEUE_FULL. */
  readonly queueCapacity: number;
  /** Jobs of one operator running at once, domain-wide. */
  readonly perOperatorConcurrency: number;
  /** Jobs running at once on this node (the sandbox pool's size). */
  readonly concurrency: number;
  /** Longest `wait` a caller may ask for, seconds. */
  readonly maxWaitSeconds?: number;
  /** Whether this node runs jobs (a `gateway`-only node does not). Default true. */
  readonly runsJobs?: boolean;
  /** This node's runner name in leases. */
  readonly runnerId?: string;
  /** See `JobRunnerOptions.soleRunner`. */
  readonly soleRunner?: boolean;
  readonly leaseMs?: number;
  readonly pollMs?: number;
}

export interface JobServiceDeps {
  readonly store: SqlStore;
  readonly dataDomain: Pick<DataDomain, "connect" | "tableRowCounts">;
  readonly pool: Pick<SandboxPool, "run" | "cancel">;
  readonly ledger: PrivacyBudgetLedger;
  /** An empty DuckDB connection the policy engine parses and renders SQL with. */
  readonly parser: SqlConnection;
  /** The domain's secret seeding grade 2's sticky noise (`noiseSaltOf` the domain key). */
  readonly noiseSalt: Uint8Array;
  readonly audit: AuditSink;
  /** Signs a release receipt with the domain key (see audit/receipt.ts). */
  readonly signReceipt: (claims: ReceiptClaims) => Receipt;
  /** The domain's crypto profile, whose digest the receipts list (default `international`). */
  readonly cryptoProfile?: CryptoProfile;
  /** Told after a job was accepted here (another node's runner may then be woken). */
  readonly onQueued?: (jobId: string) => void;
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
  /** Per output, the accuracy of the noisy figures it holds (docs/accuracy.md). */
  readonly accuracy?: Record<string, OutputAccuracy>;
  readonly logs?: readonly string[];
  readonly error?: JobError;
  readonly usage: JobUsage | null;
  /** For a released job: what the domain signed, so anyone can verify the outputs came from it. */
  readonly receipt?: Receipt;
}

/**
 * The job lifecycle as the gateway sees it: admission (admission.ts), scheduling and execution on
 * this node's runner (job-runner.ts, execution.ts), release (release.ts), and the reads, waits,
 * cancellations and events around them. Every state lives in the store; this object holds only
 * live things (event subscribers, waiters, the runner's running jobs), so any node answers for
 * any job.
 */
export class JobService {
  readonly events = new JobEventHub();
  private readonly settledWaiters = new Map<string, Set<() => void>>();
  private readonly runner: JobRunner | undefined;
  private accepting = true;
  private readonly now: () => Date;

  constructor(
    private readonly deps: JobServiceDeps,
    private readonly options: JobServiceOptions,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.runner =
      options.runsJobs === false
        ? undefined
        : new JobRunner(
            {
              ...deps,
              now: this.now,
              events: this.events,
              onSettled: (jobId) => this.notifySettled(jobId),
            },
            {
              runnerId: options.runnerId ?? `runner_${process.pid}_${Date.now().toString(36)}`,
              concurrency: options.concurrency,
              perOperatorConcurrency: options.perOperatorConcurrency,
              ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
              ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
              ...(options.soleRunner === undefined ? {} : { soleRunner: options.soleRunner }),
            },
          );
  }

  /**
   * Picks up after a stop: jobs a stopped runner left running are failed once, with the reason;
   * queued jobs run. Call once before serving. Returns the counts.
   */
  async recover(): Promise<{ requeued: number; failed: number }> {
    const failed = (await this.runner?.start()) ?? 0;
    const requeued = await jobRepository.countWithStatus(this.deps.store, "queued");
    return { requeued, failed };
  }

  /** Accepts a job, or says why not. The job and its audit entry are durable before this returns. */
  async submit(
    principal: Principal,
    body: unknown,
    idempotencyKey?: string,
  ): Promise<{ job: JobView; created: boolean }> {
    if (!this.accepting) throw new DomainError("NOT_READY", "the gateway is shutting down");
    const { job, created } = await admitJob(
      {
        store: this.deps.store,
        audit: this.deps.audit,
        now: this.now,
        queueCapacity: this.options.queueCapacity,
      },
      principal,
      body,
      idempotencyKey,
    );
    if (created) {
      log.info("job queued", { jobId: job.id, operatorId: principal.id });
      this.events.publish(job.id, "queued", {});
      this.runner?.wake();
      this.deps.onQueued?.(job.id);
    }
    return { job: this.view(job, principal), created };
  }

  /** An event another node published about a job (its subscribers and waiters here learn of it). */
  relayed(jobId: string, type: JobEvent["type"], data: Record<string, unknown>): void {
    this.events.publish(jobId, type, data, { relayed: true });
    if (type === "finished") this.notifySettled(jobId);
  }

  /** Looks at the queue now (a notification from another node said a job arrived). */
  wake(): void {
    this.runner?.wake();
  }

  /** The job if `principal` may see it; another operator's job is NOT_FOUND, never FORBIDDEN. */
  async get(principal: Principal, id: string): Promise<JobView> {
    return this.view(await this.visible(principal, id), principal);
  }

  /**
   * Waits up to `seconds` for the job to settle (released, held, rejected, failed, cancelled).
   * A job settled here wakes the wait at once; one settled on another node is seen by re-reading
   * its row every half second.
   */
  async wait(principal: Principal, id: string, seconds: number): Promise<JobView> {
    let job = await this.visible(principal, id);
    const limit = Math.min(Math.max(seconds, 0), this.options.maxWaitSeconds ?? 60);
    const deadline = Date.now() + limit * 1000;
    while (!SETTLED_STATUSES.has(job.status) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const waiters = this.settledWaiters.get(id) ?? new Set();
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          if (waiters.size === 0 && this.settledWaiters.get(id) === waiters) this.settledWaiters.delete(id);
          resolve();
        };
        const timer = setTimeout(done, Math.min(500, Math.max(0, deadline - Date.now())));
        waiters.add(done);
        this.settledWaiters.set(id, waiters);
      });
      job = await this.visible(principal, id);
    }
    return this.view(job, principal);
  }

  /** One page of jobs, newest first: an operator's own, or every job for the bureau. */
  async list(
    principal: Principal,
    filter: { status?: JobStatus } = {},
    page: PageRequest = {},
  ): Promise<Page<JobView>> {
    const jobs = await jobRepository.list(
      this.deps.store,
      {
        ...(principal.role === "operator" ? { operatorId: principal.id } : {}),
        ...(filter.status ? { status: filter.status } : {}),
      },
      page,
    );
    return mapPage(jobs, (job) => this.view(job, principal, { summary: true }));
  }

  /**
   * Cancels a queued job at once; a running one is stopped by its runner (here at once, on
   * another node at its next lease renewal) and settles as cancelled.
   */
  async cancel(principal: Principal, id: string): Promise<JobView> {
    const job = await this.visible(principal, id);
    if (SETTLED_STATUSES.has(job.status))
      throw new DomainError("CONFLICT", `job ${id} is already ${job.status}`);
    const settlement: Settlement = {
      status: "cancelled",
      reason: "cancelled by its submitter",
      actor: principal.id,
    };
    try {
      await finishJob(this.releaseDeps(), job, settlement, { from: ["queued"] });
      this.events.publish(id, "finished", { status: "cancelled" });
      this.notifySettled(id);
    } catch (error) {
      if (!(error instanceof JobMovedOn)) throw error;
      // It started meanwhile: its runner stops it.
      if (!this.runner?.cancelHere(id)) {
        await this.deps.store.transaction((tx) =>
          jobRepository.requestCancel(tx, id, this.now().toISOString()),
        );
      }
    }
    return this.get(principal, id);
  }

  /**
   * After a freeze committed (control/freezes.ts `imposeFreeze`): tells the watchers of the queued
   * jobs it cancelled, and stops at once those of its running jobs that run here (a runner on
   * another node stops them at its next lease renewal: the freeze marked them for cancellation).
   */
  stopFrozen(stopped: { readonly cancelled: readonly string[]; readonly running: readonly string[] }): void {
    for (const id of stopped.cancelled) {
      this.events.publish(id, "finished", { status: "cancelled", code: "FROZEN" });
      this.notifySettled(id);
    }
    for (const id of stopped.running) this.runner?.cancelHere(id);
  }

  /** A released output's rows; anything else answers NOT_FOUND (never whether it exists). */
  /** One output of a job the principal may read, with the accuracy of its noisy figures if it holds any. */
  async output(
    principal: Principal,
    id: string,
    name: string,
  ): Promise<{ rows: OutputTable; accuracy?: OutputAccuracy; types?: OutputColumnTypes }> {
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
    const accuracy = job.products?.accuracy?.[name];
    const types = job.products?.types?.[name];
    return { rows: table, ...(accuracy ? { accuracy } : {}), ...(types ? { types } : {}) };
  }

  /**
   * A released job's receipt: for its operator, the bureau and auditors (a receipt names who got
   * what and the outputs' hashes, never their values). Another operator's job is NOT_FOUND.
   */
  async receipt(principal: Principal, id: string): Promise<Receipt> {
    if (principal.role !== "operator" && principal.role !== "bureau" && principal.role !== "auditor")
      throw new DomainError("FORBIDDEN", `receipts are not open to the ${principal.role} role`);
    const job = await this.visible(principal, id);
    if (job.status !== "released" || !job.receipt)
      throw new DomainError(
        "NOT_FOUND",
        `job ${id} is ${job.status}: only a released job has a receipt (a held job gets one when a reviewer releases it)`,
      );
    return job.receipt;
  }

  /** Events of a job the principal may see (past ones first), until the returned function is called. */
  async subscribe(principal: Principal, id: string, listener: (event: JobEvent) => void, afterSeq = 0) {
    const job = await this.visible(principal, id);
    const unsubscribe = this.events.subscribe(id, listener, afterSeq);
    return { job: this.view(job, principal, { summary: true }), unsubscribe };
  }

  /**
   * Settles a held job after review, in the reviewer's transaction (the review, its entry and the
   * job's end commit together). The review verbs decide who may and when enough have.
   */
  async settleReviewedIn(
    tx: SqlExecutor,
    job: JobRecord,
    approved: boolean,
    actor: string,
  ): Promise<JobStatus> {
    // A held job that failed has nothing to release: approval shows the operator its error.
    const failure = job.products?.error;
    const status: JobStatus = approved ? (failure ? "failed" : "released") : "rejected";
    const settlement: Settlement = {
      status,
      reason: approved ? "approved on review" : "rejected on review",
      actor,
      ...(status === "failed" && failure ? { error: failure } : {}),
    };
    await finishJobIn(this.releaseDeps(), tx, job, settlement, { from: ["held"], via: "review" });
    return status;
  }

  /** Tells this node's waiters and subscribers that a reviewed job settled (after its transaction committed). */
  reviewed(jobId: string, status: JobStatus): void {
    this.events.publish(jobId, "finished", { status });
    this.notifySettled(jobId);
  }

  /** Stops accepting jobs and waits for the running ones; queued jobs stay queued for the next start. */
  async drain(): Promise<void> {
    this.accepting = false;
    await this.runner?.drain();
  }

  /** Queue depth (as of the runner's last poll) and this node's pool use, for metrics. */
  stats(): { queued: number; running: number; slots: number } {
    return this.runner?.stats() ?? { queued: 0, running: 0, slots: 0 };
  }

  private releaseDeps() {
    return {
      store: this.deps.store,
      audit: this.deps.audit,
      signReceipt: this.deps.signReceipt,
      ...(this.deps.cryptoProfile === undefined ? {} : { cryptoProfile: this.deps.cryptoProfile }),
      now: this.now,
    };
  }

  private async visible(principal: Principal, id: string): Promise<JobRecord> {
    const job = await jobRepository.get(this.deps.store, id);
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
      ...(showOutputs && job.products
        ? {
            outputs: job.products.outputs,
            ...(job.products.accuracy ? { accuracy: job.products.accuracy } : {}),
            logs: job.products.logs,
          }
        : {}),
      ...(error ? { error } : {}),
      // A tainted script decides every figure it is metered on (rows in, loops, queries): before
      // release its usage is data, so only a reviewer sees it.
      usage: job.decision?.tainted && !reviewer && job.status !== "released" ? null : job.usage,
      ...(job.status === "released" && job.receipt ? { receipt: job.receipt } : {}),
    };
  }

  private notifySettled(id: string): void {
    for (const done of this.settledWaiters.get(id) ?? []) done();
  }
}
