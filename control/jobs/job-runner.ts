import { isDomainError } from "../../policies/errors.ts";
import type { License } from "../../policies/license.ts";
import type { DatasetManifest } from "../../policies/manifest.ts";
import type { SqlStore } from "../../storage/sql-store.ts";
import { inSpan, telemetry } from "../../telemetry/instruments.ts";
import { log, withFreshLogContext, withLogContext } from "../../telemetry/log.ts";
import type { AuditSink } from "../audit-sink.ts";
import { currentCatalog } from "../catalog.ts";
import { currentDataVersions } from "../data-versions.ts";
import { freezesTouching, frozenSettlement, liveFreezes } from "../freezes.ts";
import { assertLicenseUsable, findLicense } from "../licenses.ts";
import { assertOperatorActive } from "../operators.ts";
import { type CancelFlag, type ClaimedJob, type ExecutionDeps, executeJob } from "./execution.ts";
import { IdentifierMemo } from "./identifier-lookup.ts";
import { jobRepository, type StoredJob } from "./job-repository.ts";
import type { JobError, JobStatus } from "./model.ts";
import {
  finishJob,
  finishJobIn,
  gateExecution,
  JobMovedOn,
  type ReleaseDeps,
  type Settlement,
} from "./release.ts";

export interface JobRunnerDeps extends ExecutionDeps, ReleaseDeps {
  readonly store: SqlStore;
  readonly audit: AuditSink;
  /** Told when a job this runner moved has settled (after its transaction committed). */
  readonly onSettled: (jobId: string, status: JobStatus, settlement: Settlement) => void;
}

export interface JobRunnerOptions {
  /** This runner's name in job leases; unique among live runners. */
  readonly runnerId: string;
  /** Jobs running at once here (the sandbox pool's size). */
  readonly concurrency: number;
  /** Jobs of one operator running at once, domain-wide, so one tenant cannot hold every worker. */
  readonly perOperatorConcurrency: number;
  /** How long a claimed job stays leased without a renewal, ms (renewed every third of it). */
  readonly leaseMs?: number;
  /** How often the queue is looked at when nothing woke the runner, ms. */
  readonly pollMs?: number;
  /**
   * At start, running jobs of every runner are orphans (true for the one-node SQLite store, whose
   * data folder a single node holds); otherwise only jobs whose lease ran out are.
   */
  readonly soleRunner?: boolean;
}

interface RunEntry extends CancelFlag {
  readonly operatorId: string;
  phase: "runs" | "settles";
  done: Promise<void>;
}

/**
 * Schedules and runs jobs on this node: claims queued jobs from the store while it has free slots
 * (each claim one transaction that marks the job running under this runner's lease and records
 * `job.started`), runs them, and settles them through the release step. Leases are renewed while
 * jobs run; a job whose runner stopped renewing is failed once, with its reason, by any runner.
 */
export class JobRunner {
  private readonly running = new Map<string, RunEntry>();
  /** What the release gate's identifier lookups answered, per data versions: outputs repeat their texts. */
  private readonly identifierMemo = new IdentifierMemo();
  private readonly leaseMs: number;
  private claiming: Promise<void> | undefined;
  private wakeAgain = false;
  private accepting = true;
  private timers: NodeJS.Timeout[] = [];
  /** Jobs waiting domain-wide, as of the last poll (for the queue-depth gauge). */
  private queuedSeen = 0;

  constructor(
    private readonly deps: JobRunnerDeps,
    private readonly options: JobRunnerOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  /** Fails the jobs a stopped runner left running, then starts claiming. Returns how many were failed. */
  async start(): Promise<number> {
    const failed = await this.reap(this.options.soleRunner ? "all" : "expired");
    const every = (what: string, ms: number, work: () => Promise<unknown>) => {
      // A round that fails (the store unavailable) is tried again at the next: said, not thrown.
      const round = () =>
        work().catch((error: unknown) => log.warn(`${what} failed; tried again next round`, { error }));
      const timer = setInterval(
        () => void withFreshLogContext({ runnerId: this.options.runnerId }, round),
        ms,
      );
      timer.unref();
      this.timers.push(timer);
    };
    every("renewing job leases", Math.max(50, Math.floor(this.leaseMs / 3)), () => this.heartbeat());
    every("failing orphaned jobs", Math.max(100, Math.floor(this.leaseMs / 2)), () => this.reap("expired"));
    every("polling the job queue", this.options.pollMs ?? 1000, async () => {
      this.wake();
      this.queuedSeen = await jobRepository.countWithStatus(this.deps.store, "queued");
    });
    this.wake();
    return failed;
  }

  /** Looks for queued jobs now (after a submission, a notification, a finished run). */
  wake(): void {
    if (!this.accepting) return;
    if (this.claiming) {
      this.wakeAgain = true;
      return;
    }
    // Claims and the runs they start are this runner's work, not the request that woke it.
    this.claiming = withFreshLogContext({ runnerId: this.options.runnerId }, () =>
      this.claimWhileFree(),
    ).finally(() => {
      this.claiming = undefined;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  /** Stops a job running here at once; false when it does not run here. */
  cancelHere(jobId: string): boolean {
    const run = this.running.get(jobId);
    if (!run) return false;
    run.cancelled = true;
    this.deps.pool.cancel(jobId);
    return true;
  }

  /** Stops claiming and waits for the jobs running here to settle; queued ones stay queued. */
  async drain(): Promise<void> {
    this.accepting = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.claiming;
    await Promise.allSettled([...this.running.values()].map((run) => run.done));
  }

  stats(): { queued: number; running: number; slots: number } {
    return { queued: this.queuedSeen, running: this.running.size, slots: this.options.concurrency };
  }

  private inSlots(): number {
    let n = 0;
    for (const run of this.running.values()) if (run.phase === "runs") n++;
    return n;
  }

  private async claimWhileFree(): Promise<void> {
    // A node that cannot serve the current data versions (a file missing or damaged here) claims
    // nothing: another node runs the jobs, or they wait, rather than be answered from other data.
    if (this.deps.dataDomain.readiness) {
      const readiness = await this.deps.dataDomain.readiness().catch((error: unknown) => {
        log.warn("the data domain's readiness cannot be read; no job is claimed", { error });
        return undefined;
      });
      if (!readiness?.servable) return;
    }
    while (this.accepting && this.inSlots() < this.options.concurrency) {
      let claimed: ClaimedJob | null;
      try {
        claimed = await this.claim();
      } catch (error) {
        log.warn("claiming a job failed; the next poll tries again", { error });
        return;
      }
      if (!claimed) return;
      this.launch(claimed);
    }
  }

  /**
   * One transaction: take the next job, check its operator and license again (either may have
   * changed while it waited), fix the policy versions it runs under, and record its start — or,
   * when it may no longer run, fail it with the reason. Returns null when there was nothing to run.
   */
  private async claim(): Promise<ClaimedJob | null> {
    for (;;) {
      const now = this.deps.now();
      const outcome = await this.deps.store.transaction(async (tx) => {
        const job = await jobRepository.claimNext(tx, {
          runner: this.options.runnerId,
          leaseUntil: new Date(now.getTime() + this.leaseMs).toISOString(),
          startedAt: now.toISOString(),
          perOperator: this.options.perOperatorConcurrency,
        });
        if (!job) return null;
        let license: License;
        try {
          await assertOperatorActive(tx, job.operatorId);
          license = assertLicenseUsable(await findLicense(tx, job.licenseId), {
            operatorId: job.operatorId,
            now,
          }).license;
        } catch (error) {
          if (!isDomainError(error)) throw error;
          const settlement: Settlement = {
            status: "failed",
            reason: "license or operator no longer valid",
            actor: "system",
            error: { code: error.code, class: "LicenseError", message: error.detail },
          };
          await finishJobIn(this.deps, tx, job, settlement, {
            from: ["running"],
            runner: this.options.runnerId,
          });
          return { failed: job, settlement, claimed: undefined };
        }
        // A freeze imposed while the job waited stops it before it starts.
        const freeze = freezesTouching(await liveFreezes(tx, now), {
          operatorId: job.operatorId,
          licenseId: job.licenseId,
          datasets: license.datasets.map((d) => d.name),
        })[0];
        if (freeze) {
          const settlement = frozenSettlement(freeze);
          await finishJobIn(this.deps, tx, job, settlement, {
            from: ["running"],
            runner: this.options.runnerId,
          });
          return { failed: job, settlement, claimed: undefined };
        }
        // The policy in force now applies to the whole run: later changes never reach a running job.
        const catalog = await currentCatalog(tx, now);
        const licensed = new Set(license.datasets.map((d) => d.name));
        const entries = catalog.filter((e) => licensed.has(e.manifest.name));
        const manifests: DatasetManifest[] = entries.map((e) => e.manifest);
        const policyVersions = Object.fromEntries(entries.map((e) => [e.manifest.name, e.version]));
        await jobRepository.setPolicyVersions(tx, job.id, policyVersions);
        // So are the data versions current now: the run reads them whatever is supplied meanwhile.
        const dataVersions = await currentDataVersions(tx);
        const readsData = Object.fromEntries(
          Object.entries(dataVersions).filter(([name]) => licensed.has(name)),
        );
        await this.deps.audit.appendIn(tx, [
          {
            type: "job.started",
            actor: "system",
            subject: {
              job: job.id,
              operator: job.operatorId,
              license: job.licenseId,
              datasets: [...licensed],
            },
            data: { policyVersions, dataVersions: readsData },
          },
        ]);
        const claimed: ClaimedJob = {
          job: { ...job, policyVersions },
          license,
          manifests,
          startedAt: now,
          dataVersions,
        };
        return { claimed, failed: undefined, settlement: undefined };
      });
      if (outcome === null) return null;
      if (outcome.claimed) {
        this.deps.events.publish(outcome.claimed.job.id, "running", {
          policyVersions: outcome.claimed.job.policyVersions,
        });
        return outcome.claimed;
      }
      if (outcome.failed && outcome.settlement) this.settled(outcome.failed, outcome.settlement);
    }
  }

  private launch(claimed: ClaimedJob): void {
    const id = claimed.job.id;
    const entry: RunEntry = {
      operatorId: claimed.job.operatorId,
      cancelled: false,
      phase: "runs",
      done: Promise.resolve(),
    };
    this.running.set(id, entry);
    entry.done = withLogContext({ jobId: id }, () => {
      log.info("job started", { operatorId: claimed.job.operatorId });
      return inSpan("job.run", { "job.id": id }, () => this.run(claimed, entry)).catch((error: unknown) =>
        this.failForMachinery(claimed, error),
      );
    }).finally(() => {
      this.running.delete(id);
      this.wake();
    });
  }

  /** A failure of the machinery, not of the script: logged here, and the job fails with no detail shown. */
  private async failForMachinery(claimed: ClaimedJob, error: unknown): Promise<void> {
    if (error instanceof JobMovedOn) return;
    log.error("the job failed in the machinery, not in its script", { error });
    const settlement: Settlement = {
      status: "failed",
      reason: "internal error",
      actor: "system",
      error: {
        code: isDomainError(error) ? error.code : "INTERNAL",
        class: "InternalError",
        message: isDomainError(error) ? error.detail : "internal error",
      },
    };
    await finishJob(this.deps, claimed.job, settlement, {
      from: ["running"],
      runner: this.options.runnerId,
    })
      .then(() => this.settled(claimed.job, settlement))
      .catch((cause: unknown) =>
        log.error("recording the job's failure failed; a runner fails it when its lease runs out", {
          error: cause,
        }),
      );
  }

  private async run(claimed: ClaimedJob, entry: RunEntry): Promise<void> {
    const { job } = claimed;
    let execution: Awaited<ReturnType<typeof executeJob>>;
    try {
      // Row counts of the generation the job read (the domain reads them once per generation).
      execution = await executeJob(this.deps, claimed, entry, () =>
        this.deps.dataDomain.tableRowCounts(claimed.dataVersions),
      );
    } finally {
      // Once the sandbox returned, the job only settles (gate, audit, store): its slot goes on.
      entry.phase = "settles";
      this.wake();
    }
    const settlement: Settlement = entry.cancelled
      ? await this.cancelledSettlement(claimed, execution.usage)
      : await inSpan("release.gate", { "job.id": job.id, tainted: execution.tainted }, () =>
          gateExecution(this.deps.dataDomain, claimed, execution, this.identifierMemo),
        );
    if (!entry.cancelled) {
      for (const [dataset, epsilon] of Object.entries(execution.usage.epsilon))
        telemetry.epsilonSpent(dataset, epsilon);
    }
    const written = await finishJob(this.deps, job, settlement, {
      from: ["running"],
      runner: this.options.runnerId,
      queries: execution.queries,
    });
    this.settled(job, written.settlement);
  }

  /** A stopped run ends cancelled: by its submitter, or with FROZEN when a freeze stopped it. */
  private async cancelledSettlement(claimed: ClaimedJob, usage: Settlement["usage"]): Promise<Settlement> {
    const freeze = freezesTouching(await liveFreezes(this.deps.store, this.deps.now()), {
      operatorId: claimed.job.operatorId,
      licenseId: claimed.job.licenseId,
      datasets: claimed.license.datasets.map((d) => d.name),
    })[0];
    const stopped: Settlement = freeze
      ? frozenSettlement(freeze)
      : { status: "cancelled", reason: "cancelled while running", actor: claimed.job.operatorId };
    return { ...stopped, ...(usage ? { usage } : {}) };
  }

  private settled(job: StoredJob | ClaimedJob["job"], settlement: Settlement): void {
    log.info("job settled", {
      jobId: job.id,
      status: settlement.status,
      ...(settlement.error ? { code: settlement.error.code } : {}),
      ...(settlement.decision ? { release: settlement.decision.outcome } : {}),
    });
    if (settlement.decision) {
      this.deps.events.publish(job.id, "gate", {
        outcome: settlement.decision.outcome,
        reasons: settlement.decision.reasons,
      });
    }
    const started = job.startedAt ? Date.parse(job.startedAt) : undefined;
    telemetry.jobFinished(
      settlement.status,
      started === undefined ? undefined : this.deps.now().getTime() - started,
    );
    this.deps.events.publish(job.id, "finished", {
      status: settlement.status,
      ...(settlement.error ? { code: settlement.error.code } : {}),
    });
    this.deps.onSettled(job.id, settlement.status, settlement);
  }

  /**
   * Renews the leases of the jobs running here and stops those whose cancellation was asked for
   * elsewhere, and those whose lease is gone (another node settled the job): their result could
   * no longer be recorded, and their queries would go on spending the license's budget.
   */
  private async heartbeat(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    const until = new Date(this.deps.now().getTime() + this.leaseMs).toISOString();
    const held = await this.deps.store.transaction((tx) =>
      jobRepository.renewLeases(tx, this.options.runnerId, ids, until),
    );
    for (const id of ids) if (!held.has(id)) this.cancelHere(id);
    for (const id of await jobRepository.cancelRequested(this.deps.store, ids)) this.cancelHere(id);
  }

  /**
   * Fails, once each, the jobs whose runner stopped: their lease ran out (or, for the sole runner
   * at its start, any job still marked running). The failure and its `job.finished` entry commit
   * together, and only while the job is still orphaned: a job settled meanwhile stays as it is.
   */
  private async reap(which: "all" | "expired"): Promise<number> {
    const now = this.deps.now().toISOString();
    const candidates =
      which === "all"
        ? await jobRepository.withStatus(this.deps.store, "running")
        : await jobRepository.orphaned(this.deps.store, now);
    let failed = 0;
    for (const job of candidates) {
      if (this.running.has(job.id)) continue;
      const error: JobError = {
        code: "INTERNAL",
        class: "Interrupted",
        message: "the runner of this job stopped while it was running; submit it again",
      };
      const settlement: Settlement = { status: "failed", reason: "runner stopped", actor: "system", error };
      try {
        await finishJob(this.deps, job, settlement, {
          from: ["running"],
          ...(which === "all" ? {} : { leaseExpiredBefore: now }),
        });
        failed++;
        this.settled(job, settlement);
      } catch (cause) {
        if (!(cause instanceof JobMovedOn)) throw cause;
      }
    }
    return failed;
  }
}
